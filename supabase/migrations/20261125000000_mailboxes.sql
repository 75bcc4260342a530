-- mailboxes: atomic edits of settings.mailboxes in public.user_secrets (issue 3).
--
-- Apply with `supabase db push` or `psql "$DATABASE_URL" -f <this file>`; it is idempotent.
--
-- The `mailboxes` CLI calls these over PostgREST (`POST /rest/v1/rpc/<name>`, JSON object of
-- named arguments). Each function:
--   * is SECURITY INVOKER, so the caller's Row Level Security policies still apply, and only
--     ever touches the caller's own row (`where user_id = auth.uid()`);
--   * locks that row, checks it, and writes it back in ONE UPDATE (or creates it with
--     INSERT ... ON CONFLICT), so concurrent callers are serialised and no update is lost;
--   * changes nothing but `settings.mailboxes` and `settings.mailboxesRevision` (a new random
--     uuid on every change, a non-secret marker that clients without these functions use for
--     optimistic concurrency); other settings keys and unknown entry fields are kept as they are;
--   * never overwrites a malformed list: settings.mailboxes that is not an array, or holds an
--     entry without a string "id", raises SQLSTATE 22023 (PostgREST: HTTP 400).
-- Errors: 42501 not signed in; 22023 bad argument or malformed settings; 23505 duplicate id
-- (PostgREST: HTTP 409).
--
-- One entry of settings.mailboxes (camelCase, as the web app writes it):
--   {id, label, host, port, tls, user, password, status, lastTestedAt, lastError}
-- An OAuth2 entry (issue 12; `mailboxes add --oauth`) keeps the same flat top level, so
-- `entry || patch` merges keep working, and has no password:
--   authType              "oauth2" (absent means "password")
--   oauthProvider         "google" | "microsoft" | "custom"
--   oauthClientId         the OAuth2 client that minted the grant (another one cannot refresh it)
--   oauthScope            e.g. "https://mail.google.com/"
--   oauthTokenUrl         the token endpoint, only when not the provider's own
--   oauthAuthUrl          the authorization endpoint, only when not the provider's own
--   oauthTenant           Microsoft's tenant ("common", "organizations", an id)
--   refreshToken          the grant (Microsoft rotates it on every refresh)
--   accessToken           the last access token, reused until a minute before it expires
--   accessTokenExpiresAt  ISO-8601
-- A refresh writes accessToken, accessTokenExpiresAt and (when rotated) refreshToken in the
-- same mailboxes_update(_many) call that records status/lastTestedAt/lastError. Clients skip
-- an entry whose authType they do not know, and never rewrite it.

-- The checks every change of an existing list shares, in one place. A schema PostgREST does not
-- expose (only `public` is), so the helper is no API of its own.
create schema if not exists private_mailboxes;
grant usage on schema private_mailboxes to authenticated;

-- The caller's settings.mailboxes, row locked FOR UPDATE until the end of the transaction, so the
-- calling function's UPDATE cannot lose a concurrent change; NULL when the caller has no row or
-- no list yet. Raises 42501 when not signed in, 22023 when the list is malformed (never
-- overwritten: the caller stops there).
create or replace function private_mailboxes.locked_list(uid uuid)
returns jsonb
language plpgsql
security invoker
set search_path = ''
as $$
declare
  current_settings jsonb;
begin
  if uid is null then
    raise exception 'mailboxes: not signed in (the JWT has no sub claim)' using errcode = '42501';
  end if;
  select s.settings into current_settings
  from public.user_secrets s
  where s.user_id = uid
  for update;
  if not found then
    return null;
  end if;
  if jsonb_typeof(current_settings) is distinct from 'object' then
    raise exception 'settings is not a JSON object' using errcode = '22023';
  end if;
  if not (current_settings ? 'mailboxes') then
    return null;
  end if;
  if jsonb_typeof(current_settings -> 'mailboxes') is distinct from 'array' then
    raise exception 'settings.mailboxes is not an array' using errcode = '22023';
  end if;
  if exists (
    select from jsonb_array_elements(current_settings -> 'mailboxes') e
    where jsonb_typeof(e -> 'id') is distinct from 'string'
  ) then
    raise exception 'settings.mailboxes has an entry without a string "id"' using errcode = '22023';
  end if;
  return current_settings -> 'mailboxes';
end
$$;

revoke all on function private_mailboxes.locked_list(uuid) from public, anon;
grant execute on function private_mailboxes.locked_list(uuid) to authenticated;

create or replace function public.mailboxes_api_version()
returns integer
language sql
immutable
security invoker
set search_path = ''
as $$
  select 1
$$;

-- Appends `entry` (an object with a string "id" that is not present yet) to the caller's
-- settings.mailboxes, creating the user_secrets row when it does not exist.
create or replace function public.mailboxes_add(entry jsonb)
returns void
language plpgsql
security invoker
set search_path = ''
as $$
declare
  uid uuid := auth.uid();
  current_settings jsonb;
  current_list jsonb;
begin
  if uid is null then
    raise exception 'mailboxes: not signed in (the JWT has no sub claim)' using errcode = '42501';
  end if;
  if jsonb_typeof(entry) is distinct from 'object'
     or jsonb_typeof(entry -> 'id') is distinct from 'string' then
    raise exception 'mailboxes_add: entry must be a JSON object with a string "id"'
      using errcode = '22023';
  end if;

  loop
    select s.settings into current_settings
    from public.user_secrets s
    where s.user_id = uid
    for update;

    if not found then
      insert into public.user_secrets (user_id, settings)
      values (uid, jsonb_build_object(
        'mailboxes', jsonb_build_array(entry),
        'mailboxesRevision', gen_random_uuid()::text))
      on conflict (user_id) do nothing;
      if found then
        return;
      end if;
      -- A concurrent caller created the row first: go round, lock it and append.
      continue;
    end if;

    -- The row exists and is locked: the shared checks, then the duplicate.
    current_list := coalesce(private_mailboxes.locked_list(uid), '[]');
    if exists (
      select from jsonb_array_elements(current_list) e
      where e ->> 'id' = entry ->> 'id'
    ) then
      raise exception 'a mailbox with id "%" already exists', entry ->> 'id' using errcode = '23505';
    end if;

    update public.user_secrets s
    set settings = jsonb_set(
          s.settings,
          '{mailboxes}',
          coalesce(s.settings -> 'mailboxes', '[]') || jsonb_build_array(entry))
        || jsonb_build_object('mailboxesRevision', gen_random_uuid()::text)
    where s.user_id = uid;
    return;
  end loop;
end
$$;

-- Merges the top-level keys of `patch` into the entry with id `mailbox_id` (`entry || patch`),
-- keeping its position. Returns false, changing nothing, when there is no such entry.
create or replace function public.mailboxes_update(mailbox_id text, patch jsonb)
returns boolean
language plpgsql
security invoker
set search_path = ''
as $$
declare
  uid uuid := auth.uid();
  current_list jsonb;
begin
  if jsonb_typeof(patch) is distinct from 'object' then
    raise exception 'mailboxes_update: patch must be a JSON object' using errcode = '22023';
  end if;
  if patch ? 'id' and jsonb_typeof(patch -> 'id') is distinct from 'string' then
    raise exception 'mailboxes_update: "id" must be a string' using errcode = '22023';
  end if;

  current_list := private_mailboxes.locked_list(uid);
  if current_list is null then
    return false;
  end if;
  if not exists (
    select from jsonb_array_elements(current_list) e
    where e ->> 'id' = mailbox_id
  ) then
    return false;
  end if;
  if patch ? 'id' and patch ->> 'id' <> mailbox_id and exists (
    select from jsonb_array_elements(current_list) e
    where e ->> 'id' = patch ->> 'id'
  ) then
    raise exception 'a mailbox with id "%" already exists', patch ->> 'id' using errcode = '23505';
  end if;

  update public.user_secrets s
  set settings = jsonb_set(
        s.settings,
        '{mailboxes}',
        (select jsonb_agg(
                  case when e ->> 'id' = mailbox_id then e || patch else e end
                  order by position)
         from jsonb_array_elements(s.settings -> 'mailboxes') with ordinality as t (e, position)))
      || jsonb_build_object('mailboxesRevision', gen_random_uuid()::text)
  where s.user_id = uid;
  return true;
end
$$;

-- Merges several patches at once: `patches` maps entry ids to patches (objects without "id").
-- `mailboxes test --all` records every result with one call. Ids that are not stored (removed
-- meanwhile) are skipped; returns how many entries were updated.
create or replace function public.mailboxes_update_many(patches jsonb)
returns integer
language plpgsql
security invoker
set search_path = ''
as $$
declare
  uid uuid := auth.uid();
  current_list jsonb;
  updated integer;
begin
  if jsonb_typeof(patches) is distinct from 'object' then
    raise exception 'mailboxes_update_many: patches must be a JSON object of id -> patch'
      using errcode = '22023';
  end if;
  if exists (
    select from jsonb_each(patches) p
    where jsonb_typeof(p.value) is distinct from 'object' or p.value ? 'id'
  ) then
    raise exception 'mailboxes_update_many: each patch must be a JSON object without "id"'
      using errcode = '22023';
  end if;

  current_list := private_mailboxes.locked_list(uid);
  if current_list is null then
    return 0;
  end if;
  select count(*) into updated
  from jsonb_array_elements(current_list) e
  where patches ? (e ->> 'id');
  if updated = 0 then
    return 0;
  end if;

  update public.user_secrets s
  set settings = jsonb_set(
        s.settings,
        '{mailboxes}',
        (select jsonb_agg(
                  case when patches ? (e ->> 'id') then e || (patches -> (e ->> 'id')) else e end
                  order by position)
         from jsonb_array_elements(s.settings -> 'mailboxes') with ordinality as t (e, position)))
      || jsonb_build_object('mailboxesRevision', gen_random_uuid()::text)
  where s.user_id = uid;
  return updated;
end
$$;

-- Removes the entries whose id is in `mailbox_ids`; returns how many were removed (0: no change).
create or replace function public.mailboxes_remove(mailbox_ids text[])
returns integer
language plpgsql
security invoker
set search_path = ''
as $$
declare
  uid uuid := auth.uid();
  current_list jsonb;
  removed integer;
begin

  current_list := private_mailboxes.locked_list(uid);
  if current_list is null then
    return 0;
  end if;

  select count(*) into removed
  from jsonb_array_elements(current_list) e
  where e ->> 'id' = any (mailbox_ids);
  if removed = 0 then
    return 0;
  end if;

  update public.user_secrets s
  set settings = jsonb_set(
        s.settings,
        '{mailboxes}',
        coalesce(
          (select jsonb_agg(e order by position)
           from jsonb_array_elements(s.settings -> 'mailboxes') with ordinality as t (e, position)
           where not (e ->> 'id' = any (mailbox_ids))),
          '[]'))
      || jsonb_build_object('mailboxesRevision', gen_random_uuid()::text)
  where s.user_id = uid;
  return removed;
end
$$;

-- Records the result of a connection test on the entry with id `mailbox_id`: sets `status`,
-- `lastTestedAt` and `lastError` (JSON null when `error` is null). False when there is no
-- such entry.
create or replace function public.mailboxes_record_test(
  mailbox_id text,
  status text,
  tested_at text,
  error text
)
returns boolean
language sql
security invoker
set search_path = ''
as $$
  select public.mailboxes_update(
    mailbox_id,
    jsonb_build_object('status', status, 'lastTestedAt', tested_at, 'lastError', error))
$$;

revoke all on function public.mailboxes_api_version() from public, anon;
revoke all on function public.mailboxes_add(jsonb) from public, anon;
revoke all on function public.mailboxes_update(text, jsonb) from public, anon;
revoke all on function public.mailboxes_update_many(jsonb) from public, anon;
revoke all on function public.mailboxes_remove(text[]) from public, anon;
revoke all on function public.mailboxes_record_test(text, text, text, text) from public, anon;

grant execute on function public.mailboxes_api_version() to authenticated;
grant execute on function public.mailboxes_add(jsonb) to authenticated;
grant execute on function public.mailboxes_update(text, jsonb) to authenticated;
grant execute on function public.mailboxes_update_many(jsonb) to authenticated;
grant execute on function public.mailboxes_remove(text[]) to authenticated;
grant execute on function public.mailboxes_record_test(text, text, text, text) to authenticated;

-- Let a running PostgREST see the new functions at once (Supabase also reloads on DDL).
notify pgrst, 'reload schema';
