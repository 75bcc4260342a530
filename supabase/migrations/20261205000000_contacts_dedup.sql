-- contacts de-duplication (issue 14): one person behind several addresses in public.contacts.
--
-- Apply after 20261126000000_contacts.sql, with `supabase db push` or
-- `psql "$DATABASE_URL" -f <this file>`; it is idempotent (re-run safe).
--
-- Each row of public.contacts stays one address with its own counts (what the importer keeps
-- adding to); a merge only points rows at the address of the person they belong to:
--   merged_into  NULL: its own contact; else the email of the row it was merged into.
-- The web app's reads of public.contacts keep working (one more nullable column); to show
-- people, group by coalesce(merged_into, email) and sum the counts. `contacts_import` never
-- touches merged_into, so a later harvest or sync (a full one too) keeps a merge.
--
-- The functions are SECURITY INVOKER (Row Level Security applies: only the caller's rows), each
-- change is one statement set in one transaction. Errors: 42501 not signed in; 22023 bad
-- argument (no such primary contact).

alter table public.contacts add column if not exists merged_into text;

create index if not exists contacts_merged_into
  on public.contacts (user_id, merged_into) where merged_into is not null;

-- Merges the rows of p_emails into the contact p_primary: they (and whatever had been merged
-- into them) point at p_primary, which becomes its own contact. Returns how many rows moved.
create or replace function public.contacts_merge(p_primary text, p_emails text[])
returns integer
language plpgsql
security invoker
set search_path = ''
as $$
declare
  uid uuid := auth.uid();
  primary_email text := lower(p_primary);
  emails text[] := (select coalesce(array_agg(lower(e)), '{}') from unnest(p_emails) as e);
  moved integer;
begin
  if uid is null then
    raise exception 'contacts_merge: not signed in (the JWT has no sub claim)' using errcode = '42501';
  end if;
  perform 1 from public.contacts where user_id = uid and email = primary_email for update;
  if not found then
    raise exception 'contacts_merge: no contact %', primary_email using errcode = '22023';
  end if;
  update public.contacts
  set merged_into = primary_email, updated_at = now()
  where user_id = uid and email <> primary_email
    and (email = any(emails) or merged_into = any(emails));
  get diagnostics moved = row_count;
  update public.contacts set merged_into = null, updated_at = now()
  where user_id = uid and email = primary_email and merged_into is not null;
  return moved;
end
$$;

-- Takes p_email back out of the contact it was merged into. Returns whether it was merged.
create or replace function public.contacts_unmerge(p_email text)
returns boolean
language plpgsql
security invoker
set search_path = ''
as $$
declare
  uid uuid := auth.uid();
begin
  if uid is null then
    raise exception 'contacts_unmerge: not signed in (the JWT has no sub claim)' using errcode = '42501';
  end if;
  update public.contacts set merged_into = null, updated_at = now()
  where user_id = uid and email = lower(p_email) and merged_into is not null;
  return found;
end
$$;

grant execute on function public.contacts_merge(text, text[]) to authenticated;
grant execute on function public.contacts_unmerge(text) to authenticated;

notify pgrst, 'reload schema';
