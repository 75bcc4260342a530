-- A Supabase-shaped schema for the test stack (issue 3). NOT a migration: on a real Supabase
-- project all of this already exists. It copies what the mailboxes CLI depends on:
--   * the API roles anon / authenticated / service_role and the login role authenticator
--     that PostgREST connects as and switches from (SET ROLE) after verifying a JWT;
--   * auth.users with bcrypt passwords (pgcrypto crypt(), as GoTrue stores them), plus the
--     auth.sessions / auth.refresh_tokens tables the auth stand-in keeps its state in;
--   * auth.uid() / auth.role() / auth.jwt() exactly as Supabase defines them (they read the
--     `request.jwt.claims` setting that PostgREST sets per request);
--   * public.user_secrets with owner-only Row Level Security, which the web app keeps the
--     user's settings (mailboxes and API keys) in.
-- Roles are cluster-wide, so their creation is idempotent; the rest runs once per database.

do $$
begin
  if not exists (select from pg_roles where rolname = 'anon') then
    create role anon nologin noinherit;
  end if;
  if not exists (select from pg_roles where rolname = 'authenticated') then
    create role authenticated nologin noinherit;
  end if;
  if not exists (select from pg_roles where rolname = 'service_role') then
    create role service_role nologin noinherit bypassrls;
  end if;
  if not exists (select from pg_roles where rolname = 'authenticator') then
    create role authenticator login noinherit;
  end if;
end
$$;

grant anon, authenticated, service_role to authenticator;

create schema if not exists extensions;
create extension if not exists pgcrypto with schema extensions;
grant usage on schema extensions to anon, authenticated, service_role;

create schema auth;
grant usage on schema auth to anon, authenticated, service_role;

create table auth.users (
  instance_id uuid,
  id uuid primary key,
  aud varchar(255) not null default 'authenticated',
  role varchar(255) not null default 'authenticated',
  email varchar(255) unique,
  encrypted_password varchar(255),
  email_confirmed_at timestamptz,
  last_sign_in_at timestamptz,
  raw_app_meta_data jsonb not null default '{"provider": "email", "providers": ["email"]}',
  raw_user_meta_data jsonb not null default '{}',
  is_anonymous boolean not null default false,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

create table auth.sessions (
  id uuid primary key,
  user_id uuid not null references auth.users (id) on delete cascade,
  aal text not null default 'aal1',
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  refreshed_at timestamp
);

create table auth.refresh_tokens (
  id bigserial primary key,
  token varchar(255) not null unique,
  user_id varchar(255) not null,
  session_id uuid not null references auth.sessions (id) on delete cascade,
  parent varchar(255),
  revoked boolean not null default false,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index refresh_tokens_session_id_revoked_idx on auth.refresh_tokens (session_id, revoked);
create index refresh_tokens_parent_idx on auth.refresh_tokens (parent);

-- Supabase's definitions (supabase/postgres, migrations/db/init-scripts): the legacy
-- per-claim settings first, then the `request.jwt.claims` JSON that PostgREST >= 9 sets.
create function auth.uid() returns uuid
language sql stable
as $$
  select coalesce(
    nullif(current_setting('request.jwt.claim.sub', true), ''),
    (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'sub')
  )::uuid
$$;

create function auth.role() returns text
language sql stable
as $$
  select coalesce(
    nullif(current_setting('request.jwt.claim.role', true), ''),
    (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'role')
  )::text
$$;

create function auth.jwt() returns jsonb
language sql stable
as $$
  select coalesce(
    nullif(current_setting('request.jwt.claim', true), ''),
    nullif(current_setting('request.jwt.claims', true), '')
  )::jsonb
$$;

grant execute on function auth.uid(), auth.role(), auth.jwt() to anon, authenticated, service_role;

create table public.user_secrets (
  user_id uuid primary key references auth.users (id) on delete cascade,
  settings jsonb not null default '{}'
);

alter table public.user_secrets enable row level security;

create policy "owner can read" on public.user_secrets
  for select to authenticated using (auth.uid() = user_id);
create policy "owner can insert" on public.user_secrets
  for insert to authenticated with check (auth.uid() = user_id);
create policy "owner can update" on public.user_secrets
  for update to authenticated using (auth.uid() = user_id) with check (auth.uid() = user_id);
create policy "owner can delete" on public.user_secrets
  for delete to authenticated using (auth.uid() = user_id);

-- Hosted Supabase grants every API role all privileges on public tables and relies on RLS;
-- this schema is stricter for anon (no grant at all), which the CLI never uses for data.
grant usage on schema public to anon, authenticated, service_role;
grant select, insert, update, delete on public.user_secrets to authenticated, service_role;
