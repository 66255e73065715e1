import { StandingQueueDetector } from './standing-queue-detector';

describe(StandingQueueDetector.name, () => {
  let t: number;
  const detector = () => new StandingQueueDetector(100, 100, 8, () => t);
  beforeEach(() => (t = 1_000));

  it('should report a standing queue for the interval after one whose fastest request exceeded the target', () => {
    const d = detector();
    for (let i = 0; i < 8; i++) d.record(101 + i);
    expect(d.isOverloaded()).toBe(false); // the interval has not ended yet
    t += 100;
    expect(d.isOverloaded()).toBe(true);
    expect(d.fastestOfLastInterval).toBe(101);
  });

  it('should not mistake a burst for a queue: one request within the target clears the interval', () => {
    const d = detector();
    for (let i = 0; i < 20; i++) d.record(900);
    d.record(100);
    t += 100;
    expect(d.isOverloaded()).toBe(false);
  });

  it('should not judge an interval that served fewer than the minimum', () => {
    const d = detector();
    for (let i = 0; i < 7; i++) d.record(5_000);
    t += 100;
    expect(d.isOverloaded()).toBe(false);
  });

  it('should stop once an interval serves too few to tell, as when shedding drained the queue', () => {
    const d = detector();
    for (let i = 0; i < 8; i++) d.record(500);
    t += 100;
    expect(d.isOverloaded()).toBe(true);
    t += 100; // nothing served: everything was shed
    expect(d.isOverloaded()).toBe(false);
  });

  it('should stay overloaded while every interval is slow, and forget it after an idle gap', () => {
    const d = detector();
    for (let interval = 0; interval < 3; interval++) {
      for (let i = 0; i < 8; i++) d.record(300);
      t += 100;
      expect(d.isOverloaded()).toBe(true);
    }
    for (let i = 0; i < 8; i++) d.record(300);
    t += 250; // the slow interval ended, then one more passed with nothing served
    expect(d.isOverloaded()).toBe(false);
  });

  it('should refuse a target or interval that is not positive', () => {
    expect(() => new StandingQueueDetector(0, 100, 8, () => 0)).toThrow(RangeError);
    expect(() => new StandingQueueDetector(100, 0, 8, () => 0)).toThrow(RangeError);
  });
});
