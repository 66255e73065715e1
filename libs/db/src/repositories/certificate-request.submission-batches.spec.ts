import { distinctDeviceRounds, SubmissionCall } from './certificate-request.submission-batches';

const call = (deviceId: string): SubmissionCall => ({
  query: { deviceId, csrSha256: 'h', identifierSet: 'dns:x', withLive: false },
  decidedOn: null,
  request: null,
});

describe(distinctDeviceRounds.name, () => {
  it('should order each statement by device id, so that concurrent batches take their locks in one order', () => {
    const calls = ['c', 'a', 'b'].map(call);
    expect(distinctDeviceRounds(calls)).toEqual([[1, 2, 0]]);
  });

  it("should put a device's second and third calls in later statements, in arrival order", () => {
    const calls = ['b', 'a', 'b', 'b', 'a'].map(call);
    expect(distinctDeviceRounds(calls)).toEqual([[1, 0], [4, 2], [3]]);
  });
});
