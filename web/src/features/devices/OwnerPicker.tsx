// Searchable picker of a client account, following the ARIA combobox
// pattern: type to search /api/users?role=client&q=, arrows to move,
// Enter to choose, Escape to close.
import { useEffect, useId, useRef, useState, type KeyboardEvent } from 'react';
import { errorMessage } from '../../api/client';
import { listUsers } from '../../api/endpoints';
import type { User } from '../../api/types';
import { useDebouncedValue } from '../../util/useAsync';

export interface OwnerChoice {
  id: string;
  username: string;
  email?: string;
}

interface OwnerPickerProps {
  label?: string;
  value: OwnerChoice | null;
  onChange: (owner: OwnerChoice | null) => void;
  /** Offers "No owner" as the first option, to unassign a device. */
  allowNone?: boolean;
  error?: string;
}

const SEARCH_DELAY_MS = 250;
const MAX_RESULTS = 10;

type Option = { kind: 'none' } | { kind: 'user'; user: User };

export function OwnerPicker({ label = 'Owner', value, onChange, allowNone = false, error }: OwnerPickerProps) {
  const baseId = useId();
  const inputId = `${baseId}-input`;
  const listId = `${baseId}-list`;
  const errorId = `${baseId}-error`;
  const [text, setText] = useState(value ? value.username : '');
  const [open, setOpen] = useState(false);
  const [activeIndex, setActiveIndex] = useState(-1);
  const [results, setResults] = useState<User[]>([]);
  const [searching, setSearching] = useState(false);
  const [searchError, setSearchError] = useState<string | null>(null);
  const query = useDebouncedValue(text, SEARCH_DELAY_MS);
  const inputRef = useRef<HTMLInputElement>(null);

  useEffect(() => {
    setText(value ? value.username : '');
  }, [value]);

  useEffect(() => {
    if (!open) return;
    const controller = new AbortController();
    const q = value && query === value.username ? '' : query.trim();
    setSearching(true);
    setSearchError(null);
    listUsers({ role: 'client', q, per_page: MAX_RESULTS, page: 1 }, controller.signal)
      .then((page) => {
        setResults(page.items);
        setSearching(false);
      })
      .catch((failure: unknown) => {
        if (controller.signal.aborted) return;
        setSearchError(errorMessage(failure));
        setSearching(false);
      });
    return () => controller.abort();
  }, [open, query, value]);

  const options: Option[] = [
    ...(allowNone ? [{ kind: 'none' } as const] : []),
    ...results.map((user) => ({ kind: 'user', user }) as const),
  ];

  function choose(option: Option) {
    const owner = option.kind === 'none' ? null : { id: option.user.id, username: option.user.username, email: option.user.email };
    onChange(owner);
    setText(owner ? owner.username : '');
    setOpen(false);
    setActiveIndex(-1);
  }

  function onKeyDown(event: KeyboardEvent<HTMLInputElement>) {
    if (event.key === 'ArrowDown') {
      event.preventDefault();
      setOpen(true);
      setActiveIndex((index) => Math.min(options.length - 1, index + 1));
    } else if (event.key === 'ArrowUp') {
      event.preventDefault();
      setActiveIndex((index) => Math.max(0, index - 1));
    } else if (event.key === 'Enter' && open && activeIndex >= 0 && options[activeIndex]) {
      event.preventDefault();
      choose(options[activeIndex]);
    } else if (event.key === 'Escape' && open) {
      // preventDefault keeps a surrounding dialog open, so Escape closes only the list.
      event.preventDefault();
      setOpen(false);
      setActiveIndex(-1);
    }
  }

  const optionId = (index: number) => `${baseId}-option-${index}`;

  return (
    <div className="field combobox" data-testid="owner-picker">
      <label htmlFor={inputId}>{label}</label>
      <div className="combobox-input">
        <input
          ref={inputRef}
          id={inputId}
          type="text"
          role="combobox"
          autoComplete="off"
          aria-autocomplete="list"
          aria-expanded={open}
          aria-controls={listId}
          aria-activedescendant={open && activeIndex >= 0 ? optionId(activeIndex) : undefined}
          aria-invalid={error ? true : undefined}
          aria-describedby={error ? errorId : undefined}
          placeholder="Search clients by name or email"
          value={text}
          onChange={(event) => {
            setText(event.target.value);
            setOpen(true);
            setActiveIndex(-1);
          }}
          onFocus={() => setOpen(true)}
          onBlur={() => window.setTimeout(() => setOpen(false), 150)}
          onKeyDown={onKeyDown}
          data-testid="owner-picker-input"
        />
        {value && (
          <button
            type="button"
            className="icon-button"
            aria-label="Clear owner"
            onClick={() => {
              onChange(null);
              setText('');
              inputRef.current?.focus();
            }}
          >
            ×
          </button>
        )}
      </div>
      {open && (
        <ul id={listId} role="listbox" className="combobox-list" aria-label={`${label} results`} data-testid="owner-picker-list">
          {searching && <li className="combobox-note">Searching…</li>}
          {searchError && (
            <li className="combobox-note field-error" role="alert">
              {searchError}
            </li>
          )}
          {options.map((option, index) => (
            <li
              key={option.kind === 'none' ? 'none' : option.user.id}
              id={optionId(index)}
              role="option"
              aria-selected={index === activeIndex}
              className={index === activeIndex ? 'combobox-option active' : 'combobox-option'}
              onMouseDown={(event) => event.preventDefault()}
              onClick={() => choose(option)}
              data-testid="owner-option"
              data-user-id={option.kind === 'user' ? option.user.id : ''}
            >
              {option.kind === 'none' ? (
                <em>No owner</em>
              ) : (
                <>
                  {option.user.username} <small>{option.user.email}</small>
                </>
              )}
            </li>
          ))}
          {!searching && !searchError && results.length === 0 && (
            <li className="combobox-note">No client matches “{query.trim()}”.</li>
          )}
        </ul>
      )}
      {error && (
        <small id={errorId} className="field-error" data-testid="field-error-owner_id">
          {error}
        </small>
      )}
    </div>
  );
}
