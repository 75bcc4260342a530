-- contacts: people harvested from the user's mailboxes (`mailboxes harvest --import GROUP`,
-- issue 7), and where each harvest got to, so counts are added exactly once.
--
-- Apply with `supabase db push` or `psql "$DATABASE_URL" -f <this file>`; it is idempotent.
--
-- public.contacts: one row per (user, address). `sources` keeps the counts per mailbox folder
--   ({"<mailbox id>/<folder>": {"from": n, "to": m}}); from_count/to_count are their sums, so a
--   folder scanned again from scratch (its UIDVALIDITY changed) replaces its own share instead
--   of adding it twice. `groups` is a set of group names, unioned on every import.
-- public.contact_harvests: per (user, mailbox, folder) the UIDVALIDITY and highest UID that
--   were imported. The CLI reads it to fetch only newer messages, on any machine.
-- public.contacts_import(...): applies one harvest atomically. It checks each folder's
--   progress marker is still where the caller started from (else SQLSTATE PT409, which
--   PostgREST answers with HTTP 409: another import got there first, nothing is changed, run
--   again), then upserts the contacts. Not 40001: PostgREST retries serialization failures
--   itself, forever here, since the marker will not move back.
-- All owner-only under Row Level Security; the function is SECURITY INVOKER.

create table if not exists public.contacts (
  user_id uuid not null default auth.uid() references auth.users (id) on delete cascade,
  email text not null,
  name text,
  groups text[] not null default '{}',
  first_seen timestamptz,
  last_seen timestamptz,
  from_count integer not null default 0,
  to_count integer not null default 0,
  sources jsonb not null default '{}'::jsonb,
  updated_at timestamptz not null default now(),
  primary key (user_id, email)
);

create table if not exists public.contact_harvests (
  user_id uuid not null default auth.uid() references auth.users (id) on delete cascade,
  mailbox_id text not null,
  folder text not null,
  uidvalidity bigint not null,
  highest_uid bigint not null,
  updated_at timestamptz not null default now(),
  primary key (user_id, mailbox_id, folder)
);

alter table public.contacts enable row level security;
alter table public.contact_harvests enable row level security;

drop policy if exists "owner can read" on public.contacts;
drop policy if exists "owner can insert" on public.contacts;
drop policy if exists "owner can update" on public.contacts;
drop policy if exists "owner can delete" on public.contacts;
create policy "owner can read" on public.contacts
  for select to authenticated using (user_id = auth.uid());
create policy "owner can insert" on public.contacts
  for insert to authenticated with check (user_id = auth.uid());
create policy "owner can update" on public.contacts
  for update to authenticated using (user_id = auth.uid()) with check (user_id = auth.uid());
create policy "owner can delete" on public.contacts
  for delete to authenticated using (user_id = auth.uid());

drop policy if exists "owner can read" on public.contact_harvests;
drop policy if exists "owner can insert" on public.contact_harvests;
drop policy if exists "owner can update" on public.contact_harvests;
drop policy if exists "owner can delete" on public.contact_harvests;
create policy "owner can read" on public.contact_harvests
  for select to authenticated using (user_id = auth.uid());
create policy "owner can insert" on public.contact_harvests
  for insert to authenticated with check (user_id = auth.uid());
create policy "owner can update" on public.contact_harvests
  for update to authenticated using (user_id = auth.uid()) with check (user_id = auth.uid());
create policy "owner can delete" on public.contact_harvests
  for delete to authenticated using (user_id = auth.uid());

grant select, insert, update, delete on public.contacts to authenticated;
grant select, insert, update, delete on public.contact_harvests to authenticated;

-- p_folders: [{"folder": text, "uidvalidity": n, "from_uid": n, "highest_uid": n, "full": bool}]
--   from_uid is the highest UID the caller read from contact_harvests (0: none); with "full"
--   the folder was read from UID 1 and its share of every contact is replaced.
-- p_contacts: [{"email": text, "name": text|null, "first_seen": ts|null, "last_seen": ts|null,
--   "sources": {"<mailbox id>/<folder>": {"from": n, "to": m}}}]
-- Returns {"contacts": <rows upserted>}.
create or replace function public.contacts_import(
  p_group text, p_mailbox text, p_folders jsonb, p_contacts jsonb)
returns jsonb
language plpgsql
security invoker
set search_path = ''
as $$
declare
  uid uuid := auth.uid();
  f jsonb;
  c jsonb;
  src text;
  share jsonb;
  marker record;
  merged jsonb;
  upserted integer := 0;
begin
  if uid is null then
    raise exception 'contacts_import: not signed in (the JWT has no sub claim)' using errcode = '42501';
  end if;
  if coalesce(trim(p_group), '') = '' or p_mailbox is null
     or jsonb_typeof(p_folders) is distinct from 'array'
     or jsonb_typeof(p_contacts) is distinct from 'array' then
    raise exception 'contacts_import: needs a group, a mailbox id and two JSON arrays' using errcode = '22023';
  end if;

  for f in select * from jsonb_array_elements(p_folders) loop
    select h.uidvalidity, h.highest_uid into marker
    from public.contact_harvests h
    where h.user_id = uid and h.mailbox_id = p_mailbox and h.folder = f ->> 'folder'
    for update;
    if not coalesce((f ->> 'full')::boolean, false) then
      if not found or marker.uidvalidity <> (f ->> 'uidvalidity')::bigint
         or marker.highest_uid <> (f ->> 'from_uid')::bigint then
        raise exception 'contacts_import: folder "%" was imported by another run meanwhile; run the harvest again', f ->> 'folder'
          using errcode = 'PT409';
      end if;
    else
      -- Read again from scratch: drop this folder's earlier share from every contact.
      src := p_mailbox || '/' || (f ->> 'folder');
      update public.contacts t
      set sources = t.sources - src,
          from_count = t.from_count - coalesce((t.sources -> src ->> 'from')::integer, 0),
          to_count = t.to_count - coalesce((t.sources -> src ->> 'to')::integer, 0),
          updated_at = now()
      where t.user_id = uid and t.sources ? src;
    end if;
    insert into public.contact_harvests as h (user_id, mailbox_id, folder, uidvalidity, highest_uid)
    values (uid, p_mailbox, f ->> 'folder', (f ->> 'uidvalidity')::bigint, (f ->> 'highest_uid')::bigint)
    on conflict (user_id, mailbox_id, folder) do update
      set uidvalidity = excluded.uidvalidity, highest_uid = excluded.highest_uid, updated_at = now();
  end loop;

  for c in select * from jsonb_array_elements(p_contacts) loop
    select t.sources into merged
    from public.contacts t
    where t.user_id = uid and t.email = lower(c ->> 'email')
    for update;
    merged := coalesce(merged, '{}'::jsonb);
    for src, share in select * from jsonb_each(coalesce(c -> 'sources', '{}'::jsonb)) loop
      merged := merged || jsonb_build_object(src, jsonb_build_object(
        'from', coalesce((merged -> src ->> 'from')::integer, 0) + coalesce((share ->> 'from')::integer, 0),
        'to', coalesce((merged -> src ->> 'to')::integer, 0) + coalesce((share ->> 'to')::integer, 0)));
    end loop;
    insert into public.contacts as t
      (user_id, email, name, groups, first_seen, last_seen, from_count, to_count, sources)
    values (
      uid, lower(c ->> 'email'), nullif(c ->> 'name', ''), array[p_group],
      (c ->> 'first_seen')::timestamptz, (c ->> 'last_seen')::timestamptz,
      (select coalesce(sum((v ->> 'from')::integer), 0) from jsonb_each(merged) as e(k, v)),
      (select coalesce(sum((v ->> 'to')::integer), 0) from jsonb_each(merged) as e(k, v)),
      merged)
    on conflict (user_id, email) do update set
      -- A name the user already has (maybe edited in the web app) is kept.
      name = coalesce(t.name, excluded.name),
      groups = (select array_agg(distinct g order by g) from unnest(t.groups || excluded.groups) as g),
      first_seen = least(t.first_seen, excluded.first_seen),
      last_seen = greatest(t.last_seen, excluded.last_seen),
      from_count = excluded.from_count,
      to_count = excluded.to_count,
      sources = excluded.sources,
      updated_at = now();
    upserted := upserted + 1;
  end loop;
  return jsonb_build_object('contacts', upserted);
end
$$;

grant execute on function public.contacts_import(text, text, jsonb, jsonb) to authenticated;

notify pgrst, 'reload schema';
