import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { useState } from 'react';
import { describe, expect, it, vi } from 'vitest';
import type { User } from '../src/api/types';
import { OwnerPicker, type OwnerChoice } from '../src/features/devices/OwnerPicker';
import { ADMIN, CLIENT, json, mockFetch, renderWithApp } from './helpers';

const BOB: User = { ...CLIENT, id: '33333333-3333-4333-8333-333333333333', username: 'bob', email: 'bob@example.com' };

function Harness({ onChange, allowNone = false }: { onChange: (owner: OwnerChoice | null) => void; allowNone?: boolean }) {
  const [value, setValue] = useState<OwnerChoice | null>(null);
  return (
    <>
      <OwnerPicker
        value={value}
        allowNone={allowNone}
        onChange={(owner) => {
          setValue(owner);
          onChange(owner);
        }}
      />
      <p data-testid="chosen">{value ? value.id : 'none'}</p>
    </>
  );
}

function mockUserSearch() {
  return mockFetch({
    'GET /api/users': ({ url }) => {
      const q = url.searchParams.get('q') ?? '';
      const items = [CLIENT, BOB].filter((user) => user.username.includes(q) || user.email.includes(q));
      return json({ items, page: 1, per_page: 10, total: items.length });
    },
  });
}

describe('OwnerPicker', () => {
  it('searches clients and picks one by click', async () => {
    const requests = mockUserSearch();
    const onChange = vi.fn();
    renderWithApp(<Harness onChange={onChange} />, { user: ADMIN });
    const user = userEvent.setup();

    await user.type(screen.getByRole('combobox', { name: 'Owner' }), 'bo');

    await waitFor(() => expect(screen.getAllByRole('option')).toHaveLength(1));
    const search = requests.filter((request) => request.url.pathname === '/api/users').at(-1)!;
    expect(search.url.searchParams.get('role')).toBe('client');
    expect(search.url.searchParams.get('q')).toBe('bo');
    const option = screen.getByRole('option', { name: /bob/ });

    await user.click(option);

    expect(onChange).toHaveBeenLastCalledWith({ id: BOB.id, username: 'bob', email: 'bob@example.com' });
    expect(screen.getByRole('combobox')).toHaveValue('bob');
    expect(screen.queryByRole('listbox')).not.toBeInTheDocument();
  });

  it('picks with the keyboard', async () => {
    mockUserSearch();
    const onChange = vi.fn();
    renderWithApp(<Harness onChange={onChange} />, { user: ADMIN });
    const user = userEvent.setup();
    const input = screen.getByRole('combobox', { name: 'Owner' });

    await user.type(input, 'example');
    await screen.findByRole('option', { name: /bob/ });
    await user.keyboard('{ArrowDown}{ArrowDown}');
    expect(input).toHaveAttribute('aria-activedescendant', screen.getAllByRole('option')[1].id);
    await user.keyboard('{Enter}');

    expect(onChange).toHaveBeenLastCalledWith(expect.objectContaining({ id: BOB.id }));
  });

  it('offers no owner when allowed', async () => {
    mockUserSearch();
    const onChange = vi.fn();
    renderWithApp(<Harness onChange={onChange} allowNone />, { user: ADMIN });
    const user = userEvent.setup();

    await user.click(screen.getByRole('combobox', { name: 'Owner' }));
    const none = await screen.findByRole('option', { name: 'No owner' });
    await waitFor(() => expect(screen.getAllByRole('option')).toHaveLength(3));
    await user.click(none);

    expect(onChange).toHaveBeenLastCalledWith(null);
  });

  it('says when no client matches', async () => {
    mockUserSearch();
    renderWithApp(<Harness onChange={vi.fn()} />, { user: ADMIN });

    await userEvent.setup().type(screen.getByRole('combobox', { name: 'Owner' }), 'zed');

    expect(await screen.findByText('No client matches “zed”.')).toBeInTheDocument();
    expect(screen.queryAllByRole('option')).toHaveLength(0);
  });

  it('closes the list on Escape', async () => {
    mockUserSearch();
    renderWithApp(<Harness onChange={vi.fn()} />, { user: ADMIN });
    const user = userEvent.setup();

    await user.type(screen.getByRole('combobox', { name: 'Owner' }), 'bo');
    await screen.findByRole('listbox');
    await user.keyboard('{Escape}');

    expect(screen.queryByRole('listbox')).not.toBeInTheDocument();
    expect(screen.getByRole('combobox')).toHaveAttribute('aria-expanded', 'false');
  });
});
