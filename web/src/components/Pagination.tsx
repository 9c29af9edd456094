interface PaginationProps {
  page: number;
  perPage: number;
  total: number;
  onChange: (page: number) => void;
  label: string;
}

/** Previous/next controls for the API's `{page, per_page, total}` lists; pages start at 1. */
export function Pagination({ page, perPage, total, onChange, label }: PaginationProps) {
  const pageCount = Math.max(1, Math.ceil(total / perPage));
  if (total <= perPage && page === 1) return null;
  return (
    <nav className="pagination" aria-label={label} data-testid="pagination">
      <button type="button" className="button secondary" onClick={() => onChange(page - 1)} disabled={page <= 1}>
        Previous
      </button>
      <span aria-live="polite">
        Page {page} of {pageCount} ({total} in all)
      </span>
      <button
        type="button"
        className="button secondary"
        onClick={() => onChange(page + 1)}
        disabled={page >= pageCount}
      >
        Next
      </button>
    </nav>
  );
}
