/** Previous / next for keyset-paginated lists (the API hands out opaque cursors). */
export function Pager({
  page,
  hasPrevious,
  hasNext,
  onPrevious,
  onNext,
}: {
  page: number;
  hasPrevious: boolean;
  hasNext: boolean;
  onPrevious: () => void;
  onNext: () => void;
}) {
  return (
    <nav className="pager" aria-label="Pages">
      <button type="button" className="button" onClick={onPrevious} disabled={!hasPrevious}>
        ← Previous
      </button>
      <span className="muted">Page {page}</span>
      <button type="button" className="button" onClick={onNext} disabled={!hasNext}>
        Next →
      </button>
    </nav>
  );
}
