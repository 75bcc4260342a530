//! Tests of the Supabase test stack itself, over raw HTTP: the auth stand-in's GoTrue wire
//! format, PostgREST + RLS, the shipped migration's functions, and the gateway.

use std::time::Duration;

use serde_json::{json, Value};

use crate::support::supabase::{self, Migration, Stack};

/// An HTTP answer: status and JSON body (`Value::Null` when empty or not JSON).
struct Answer {
    status: u16,
    body: Value,
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(30)))
        .build()
        .into()
}

/// Sends `method path` to the stack's gateway with the anon key, an optional bearer and body.
fn send(
    stack: &Stack,
    method: &str,
    path: &str,
    bearer: Option<&str>,
    body: Option<&Value>,
) -> Answer {
    let mut request = ureq::http::Request::builder()
        .method(method)
        .uri(format!("{}{path}", stack.url()))
        .header("apikey", stack.anon_key());
    if let Some(token) = bearer {
        request = request.header("Authorization", format!("Bearer {token}"));
    }
    let response = match body {
        Some(body) => agent().run(
            request
                .header("Content-Type", "application/json")
                .body(body.to_string())
                .expect("request"),
        ),
        None => agent().run(request.body(()).expect("request")),
    }
    .unwrap_or_else(|e| panic!("{method} {path}: {e}\n{}", stack.logs()));
    let status = response.status().as_u16();
    let text = response.into_body().read_to_string().unwrap_or_default();
    Answer {
        status,
        body: serde_json::from_str(&text).unwrap_or(Value::Null),
    }
}

fn sign_in(stack: &Stack, email: &str, password: &str) -> Answer {
    send(
        stack,
        "POST",
        "/auth/v1/token?grant_type=password",
        None,
        Some(&json!({"email": email, "password": password})),
    )
}

fn refresh(stack: &Stack, refresh_token: &str) -> Answer {
    send(
        stack,
        "POST",
        "/auth/v1/token?grant_type=refresh_token",
        None,
        Some(&json!({"refresh_token": refresh_token})),
    )
}

/// Creates a user and signs in; returns (user id, token response).
fn user_with_session(stack: &Stack, email: &str) -> (uuid::Uuid, Value) {
    let id = stack.create_user(email, "correct horse");
    let answer = sign_in(stack, email, "correct horse");
    assert_eq!(answer.status, 200, "{}", answer.body);
    (id, answer.body)
}

fn rpc(stack: &Stack, token: &str, function: &str, args: Value) -> Answer {
    send(
        stack,
        "POST",
        &format!("/rest/v1/rpc/{function}"),
        Some(token),
        Some(&args),
    )
}

fn access(session: &Value) -> &str {
    session["access_token"].as_str().expect("access_token")
}

#[test]
fn password_grant_returns_a_gotrue_session_whose_token_postgrest_accepts() {
    let stack = supabase::shared(Migration::Installed);
    let (id, session) = user_with_session(stack, "stack-password-ok@example.test");

    assert_eq!(session["token_type"], "bearer");
    assert_eq!(
        session["expires_in"],
        supabase::DEFAULT_ACCESS_TOKEN_TTL.as_secs()
    );
    assert!(session["expires_at"].as_i64().unwrap() > 0);
    assert!(session["refresh_token"].as_str().unwrap().len() >= 12);
    assert_eq!(session["user"]["id"], id.to_string());
    assert_eq!(session["user"]["email"], "stack-password-ok@example.test");

    let user = send(stack, "GET", "/auth/v1/user", Some(access(&session)), None);
    assert_eq!(
        (user.status, &user.body["id"]),
        (200, &json!(id.to_string()))
    );

    stack.set_settings(id, &json!({"mailboxes": [], "apiKeys": {"x": "y"}}));
    let rows = send(
        stack,
        "GET",
        "/rest/v1/user_secrets?select=settings",
        Some(access(&session)),
        None,
    );
    assert_eq!(rows.status, 200);
    assert_eq!(
        rows.body,
        json!([{"settings": {"mailboxes": [], "apiKeys": {"x": "y"}}}])
    );
}

#[test]
fn wrong_password_gets_gotrues_invalid_credentials_body() {
    let stack = supabase::shared(Migration::Installed);
    stack.create_user("stack-wrong-pw@example.test", "right");
    let answer = sign_in(stack, "stack-wrong-pw@example.test", "wrong");
    assert_eq!(answer.status, 400);
    assert_eq!(
        answer.body,
        json!({"code": 400, "error_code": "invalid_credentials", "msg": "Invalid login credentials"})
    );
    let unknown = sign_in(stack, "stack-nobody@example.test", "right");
    assert_eq!(unknown.body["error_code"], "invalid_credentials");
}

#[test]
fn refresh_rotates_and_a_just_used_token_yields_the_current_pair() {
    let stack = supabase::shared(Migration::Installed);
    let (_, first) = user_with_session(stack, "stack-refresh-rotate@example.test");
    let old = first["refresh_token"].as_str().unwrap();

    let second = refresh(stack, old);
    assert_eq!(second.status, 200, "{}", second.body);
    let current = second.body["refresh_token"].as_str().unwrap();
    assert_ne!(current, old, "rotation issues a new refresh token");
    assert_eq!(
        second.body["user"]["email"],
        "stack-refresh-rotate@example.test"
    );

    // A second process that refreshed with the same old token at the same time:
    let again = refresh(stack, old);
    assert_eq!(again.status, 200, "{}", again.body);
    assert_eq!(
        again.body["refresh_token"], current,
        "the session's current token comes back"
    );

    let third = refresh(stack, current);
    assert_eq!(third.status, 200, "{}", third.body);
    assert_ne!(third.body["refresh_token"], current);
}

#[test]
fn concurrent_refreshes_with_one_token_all_succeed_with_the_same_new_token() {
    let stack = supabase::shared(Migration::Installed);
    let (_, session) = user_with_session(stack, "stack-refresh-concurrent@example.test");
    let token = session["refresh_token"].as_str().unwrap().to_owned();
    let answers: Vec<Answer> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..5).map(|_| s.spawn(|| refresh(stack, &token))).collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    for answer in &answers {
        assert_eq!(answer.status, 200, "{}", answer.body);
        assert_eq!(
            answer.body["refresh_token"],
            answers[0].body["refresh_token"]
        );
    }
}

#[test]
fn reusing_an_old_refresh_token_outside_the_interval_revokes_the_session() {
    let stack = supabase::shared(Migration::Installed);
    let (id, first) = user_with_session(stack, "stack-refresh-reuse@example.test");
    let t0 = first["refresh_token"].as_str().unwrap().to_owned();
    let t1 = refresh(stack, &t0).body["refresh_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let t2 = refresh(stack, &t1).body["refresh_token"]
        .as_str()
        .unwrap()
        .to_owned();
    stack.age_refresh_tokens(id, supabase::REUSE_INTERVAL + Duration::from_secs(1));

    let reuse = refresh(stack, &t0);
    assert_eq!(reuse.status, 400);
    assert_eq!(
        reuse.body,
        json!({"code": 400, "error_code": "refresh_token_already_used", "msg": "Invalid Refresh Token: Already Used"})
    );
    // Known difference: GoTrue marks the session's tokens revoked (usable again for 10 s);
    // the stand-in deletes the session, so the current token is simply not found.
    let current = refresh(stack, &t2);
    assert_eq!(current.status, 400);
    assert_eq!(current.body["error_code"], "refresh_token_not_found");
    assert_eq!(stack.session_count(id), 0);
}

#[test]
fn a_token_reused_inside_the_interval_is_still_accepted() {
    let stack = supabase::shared(Migration::Installed);
    let (_, first) = user_with_session(stack, "stack-refresh-inside@example.test");
    let t0 = first["refresh_token"].as_str().unwrap().to_owned();
    let t1 = refresh(stack, &t0).body["refresh_token"]
        .as_str()
        .unwrap()
        .to_owned();
    refresh(stack, &t1);
    // t0 is neither current nor the parent of the current token, but was used < 10 s ago.
    assert_eq!(refresh(stack, &t0).status, 200);
}

#[test]
fn logout_scopes_end_the_right_sessions() {
    let stack = supabase::shared(Migration::Installed);
    let id = stack.create_user("stack-logout@example.test", "pw");
    let a = sign_in(stack, "stack-logout@example.test", "pw").body;
    let b = sign_in(stack, "stack-logout@example.test", "pw").body;
    let c = sign_in(stack, "stack-logout@example.test", "pw").body;
    assert_eq!(stack.session_count(id), 3);

    let local = send(
        stack,
        "POST",
        "/auth/v1/logout?scope=local",
        Some(access(&a)),
        None,
    );
    assert_eq!(local.status, 204);
    assert_eq!(stack.session_count(id), 2);
    let gone = send(stack, "GET", "/auth/v1/user", Some(access(&a)), None);
    assert_eq!(
        (gone.status, &gone.body["error_code"]),
        (403, &json!("session_not_found"))
    );
    assert_eq!(
        refresh(stack, a["refresh_token"].as_str().unwrap()).body["error_code"],
        "refresh_token_not_found"
    );

    assert_eq!(
        send(
            stack,
            "POST",
            "/auth/v1/logout?scope=others",
            Some(access(&b)),
            None
        )
        .status,
        204
    );
    assert_eq!(stack.session_count(id), 1);
    assert_eq!(
        refresh(stack, c["refresh_token"].as_str().unwrap()).status,
        400
    );

    assert_eq!(
        send(
            stack,
            "POST",
            "/auth/v1/logout?scope=global",
            Some(access(&b)),
            None
        )
        .status,
        204
    );
    assert_eq!(stack.session_count(id), 0);
    let bad = send(
        stack,
        "POST",
        "/auth/v1/logout?scope=everything",
        Some(access(&b)),
        None,
    );
    assert_eq!(
        (bad.status, &bad.body["error_code"]),
        (400, &json!("validation_failed"))
    );
}

#[test]
fn user_endpoint_with_only_the_anon_key_is_refused_like_gotrue() {
    let stack = supabase::shared(Migration::Installed);
    let answer = send(stack, "GET", "/auth/v1/user", None, None);
    assert_eq!(answer.status, 403);
    assert_eq!(answer.body["error_code"], "bad_jwt");
    assert_eq!(answer.body["msg"], "invalid claim: missing sub claim");
}

#[test]
fn short_lived_access_tokens_expire_at_auth_and_are_refreshed() {
    let stack = supabase::shared(Migration::Installed);
    let id = stack.create_user("stack-expiry@example.test", "pw");
    stack.set_access_token_ttl(id, Duration::from_secs(1));
    let session = sign_in(stack, "stack-expiry@example.test", "pw").body;
    assert_eq!(session["expires_in"], 1);
    std::thread::sleep(Duration::from_millis(2100));

    let user = send(stack, "GET", "/auth/v1/user", Some(access(&session)), None);
    assert_eq!(
        (user.status, &user.body["error_code"]),
        (403, &json!("bad_jwt"))
    );
    // PostgREST 12 allows 30 s of clock skew: the token still works there for now.
    let rows = send(
        stack,
        "GET",
        "/rest/v1/user_secrets",
        Some(access(&session)),
        None,
    );
    assert_eq!(rows.status, 200, "{}", rows.body);

    let renewed = refresh(stack, session["refresh_token"].as_str().unwrap());
    assert_eq!(renewed.status, 200);
    assert_eq!(
        send(
            stack,
            "GET",
            "/auth/v1/user",
            Some(access(&renewed.body)),
            None
        )
        .status,
        200
    );
}

#[test]
fn postgrest_refuses_a_jwt_expired_more_than_30_s_ago_or_forged() {
    let stack = supabase::shared(Migration::Installed);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let claims = |exp: i64| json!({"sub": uuid::Uuid::new_v4().to_string(), "role": "authenticated", "exp": exp});
    let within_skew = send(
        stack,
        "GET",
        "/rest/v1/user_secrets",
        Some(&stack.sign_jwt(&claims(now - 20))),
        None,
    );
    assert_eq!(
        within_skew.status, 200,
        "PostgREST 12 allows 30 s of skew: {}",
        within_skew.body
    );
    let beyond = send(
        stack,
        "GET",
        "/rest/v1/user_secrets",
        Some(&stack.sign_jwt(&claims(now - 40))),
        None,
    );
    assert_eq!(beyond.status, 401);
    assert_eq!(
        beyond.body["code"], "PGRST301",
        "PostgREST 12's code; 13+ says PGRST303"
    );
    let expired = stack.sign_jwt(&json!({
        "sub": uuid::Uuid::new_v4().to_string(), "role": "authenticated", "aud": "authenticated",
        "exp": 1_000_000_000, "iat": 999_999_000,
    }));
    let answer = send(
        stack,
        "GET",
        "/rest/v1/user_secrets?select=settings",
        Some(&expired),
        None,
    );
    assert_eq!(answer.status, 401);
    let forged = send(stack, "GET", "/rest/v1/user_secrets", Some("a.b.c"), None);
    assert_eq!(forged.status, 401);
}

#[test]
fn rls_keeps_users_apart_through_postgrest() {
    let stack = supabase::shared(Migration::Installed);
    let (alice, _) = user_with_session(stack, "stack-rls-alice@example.test");
    let (_, bob) = user_with_session(stack, "stack-rls-bob@example.test");
    let secret = json!({"mailboxes": [{"id": "a1", "password": "alice-secret"}], "apiKey": "k"});
    stack.set_settings(alice, &secret);

    let read = send(
        stack,
        "GET",
        &format!("/rest/v1/user_secrets?user_id=eq.{alice}"),
        Some(access(&bob)),
        None,
    );
    assert_eq!((read.status, read.body), (200, json!([])));

    let update = send(
        stack,
        "PATCH",
        &format!("/rest/v1/user_secrets?user_id=eq.{alice}"),
        Some(access(&bob)),
        Some(&json!({"settings": {}})),
    );
    assert!(
        update.status < 300,
        "PostgREST filters the row away: {}",
        update.body
    );
    let insert = send(
        stack,
        "POST",
        "/rest/v1/user_secrets",
        Some(access(&bob)),
        Some(&json!({"user_id": alice.to_string(), "settings": {}})),
    );
    assert_eq!(insert.status, 403, "{}", insert.body);
    assert_eq!(insert.body["code"], "42501");
    assert_eq!(stack.settings(alice), Some(secret));

    let anon = send(stack, "GET", "/rest/v1/user_secrets", None, None);
    assert_eq!(anon.status, 401, "anon has no grant: {}", anon.body);
}

#[test]
fn migration_functions_edit_one_entry_and_keep_everything_else() {
    let stack = supabase::shared(Migration::Installed);
    let (id, session) = user_with_session(stack, "stack-migration@example.test");
    let token = access(&session);

    let version = rpc(stack, token, "mailboxes_api_version", json!({}));
    assert_eq!((version.status, version.body), (200, json!(1)));

    // No row yet: add creates it.
    let add = rpc(
        stack,
        token,
        "mailboxes_add",
        json!({"entry": {"id": "m1", "host": "imap.a"}}),
    );
    assert_eq!(add.status, 204, "{}", add.body);
    let created = stack.settings(id).unwrap();
    assert_eq!(
        created["mailboxes"],
        json!([{"id": "m1", "host": "imap.a"}])
    );
    assert!(created["mailboxesRevision"].is_string());

    let other = json!({"openaiKey": "sk-keep", "nested": {"a": [1, 2, {"b": null}]}});
    let unknown =
        json!({"id": "m2", "host": "imap.b", "futureField": {"x": [1, "y"]}, "password": "p"});
    stack.set_settings(
        id,
        &json!({"openaiKey": "sk-keep", "nested": other["nested"], "mailboxes": [{"id": "m1"}, unknown], "mailboxesRevision": "r0"}),
    );

    let add = rpc(
        stack,
        token,
        "mailboxes_add",
        json!({"entry": {"id": "m3", "extra": true}}),
    );
    assert_eq!(add.status, 204, "{}", add.body);
    let after_add = stack.settings(id).unwrap();
    assert_eq!(
        after_add["mailboxes"],
        json!([{"id": "m1"}, unknown, {"id": "m3", "extra": true}])
    );
    assert_ne!(after_add["mailboxesRevision"], "r0");

    let dup = rpc(
        stack,
        token,
        "mailboxes_add",
        json!({"entry": {"id": "m3"}}),
    );
    assert_eq!(
        (dup.status, &dup.body["code"]),
        (409, &json!("23505")),
        "{}",
        dup.body
    );

    let update = rpc(
        stack,
        token,
        "mailboxes_update",
        json!({"mailbox_id": "m2", "patch": {"host": "imap.c"}}),
    );
    assert_eq!((update.status, update.body), (200, json!(true)));
    let missing = rpc(
        stack,
        token,
        "mailboxes_update",
        json!({"mailbox_id": "nope", "patch": {"host": "x"}}),
    );
    assert_eq!((missing.status, missing.body), (200, json!(false)));
    let mut m2 = unknown.clone();
    m2["host"] = json!("imap.c");
    assert_eq!(stack.settings(id).unwrap()["mailboxes"][1], m2);

    let tested = rpc(
        stack,
        token,
        "mailboxes_record_test",
        json!({"mailbox_id": "m2", "status": "failed", "tested_at": "2026-11-25T20:00:00Z", "error": "auth failed"}),
    );
    assert_eq!((tested.status, tested.body), (200, json!(true)));
    let ok = rpc(
        stack,
        token,
        "mailboxes_record_test",
        json!({"mailbox_id": "m2", "status": "ok", "tested_at": "2026-11-25T20:01:00Z", "error": null}),
    );
    assert_eq!(ok.body, json!(true));
    m2["status"] = json!("ok");
    m2["lastTestedAt"] = json!("2026-11-25T20:01:00Z");
    m2["lastError"] = Value::Null;
    assert_eq!(stack.settings(id).unwrap()["mailboxes"][1], m2);

    let removed = rpc(
        stack,
        token,
        "mailboxes_remove",
        json!({"mailbox_ids": ["m1", "m3", "zz"]}),
    );
    assert_eq!((removed.status, removed.body), (200, json!(2)));
    let last = stack.settings(id).unwrap();
    assert_eq!(last["mailboxes"], json!([m2]));
    assert_eq!(last["openaiKey"], other["openaiKey"]);
    assert_eq!(last["nested"], other["nested"]);
    assert_eq!(
        last.as_object().unwrap().len(),
        4,
        "no key added or lost: {last}"
    );

    let revision = last["mailboxesRevision"].clone();
    let none = rpc(
        stack,
        token,
        "mailboxes_remove",
        json!({"mailbox_ids": ["zz"]}),
    );
    assert_eq!(none.body, json!(0));
    assert_eq!(
        stack.settings(id).unwrap()["mailboxesRevision"],
        revision,
        "no change, no new revision"
    );
}

#[test]
fn migration_functions_never_overwrite_a_malformed_list() {
    let stack = supabase::shared(Migration::Installed);
    let (id, session) = user_with_session(stack, "stack-malformed@example.test");
    let token = access(&session);
    let malformed = json!({"mailboxes": {"m1": {}}, "k": 1});
    stack.set_settings(id, &malformed);
    for (function, args) in [
        ("mailboxes_add", json!({"entry": {"id": "m2"}})),
        ("mailboxes_update", json!({"mailbox_id": "m1", "patch": {}})),
        ("mailboxes_remove", json!({"mailbox_ids": ["m1"]})),
        (
            "mailboxes_record_test",
            json!({"mailbox_id": "m1", "status": "ok", "tested_at": "t", "error": null}),
        ),
    ] {
        let answer = rpc(stack, token, function, args);
        assert_eq!(answer.status, 400, "{function}: {}", answer.body);
        assert_eq!(answer.body["code"], "22023", "{function}");
        assert!(answer.body["message"]
            .as_str()
            .unwrap()
            .contains("settings.mailboxes is not an array"));
    }
    let no_id = json!({"mailboxes": [{"host": "x"}]});
    stack.set_settings(id, &no_id);
    let answer = rpc(
        stack,
        token,
        "mailboxes_add",
        json!({"entry": {"id": "m2"}}),
    );
    assert_eq!(answer.body["code"], "22023", "{}", answer.body);
    assert_eq!(stack.settings(id), Some(no_id));
}

#[test]
fn migration_functions_only_touch_the_callers_row() {
    let stack = supabase::shared(Migration::Installed);
    let (alice, _) = user_with_session(stack, "stack-fn-alice@example.test");
    let (bob, bob_session) = user_with_session(stack, "stack-fn-bob@example.test");
    let alices = json!({"mailboxes": [{"id": "shared-id", "host": "a"}]});
    stack.set_settings(alice, &alices);
    let token = access(&bob_session);
    assert_eq!(
        rpc(
            stack,
            token,
            "mailboxes_update",
            json!({"mailbox_id": "shared-id", "patch": {"host": "b"}})
        )
        .body,
        json!(false)
    );
    assert_eq!(
        rpc(
            stack,
            token,
            "mailboxes_remove",
            json!({"mailbox_ids": ["shared-id"]})
        )
        .body,
        json!(0)
    );
    assert_eq!(
        rpc(
            stack,
            token,
            "mailboxes_add",
            json!({"entry": {"id": "shared-id"}})
        )
        .status,
        204
    );
    assert_eq!(stack.settings(alice), Some(alices));
    assert_eq!(
        stack.settings(bob).unwrap()["mailboxes"],
        json!([{"id": "shared-id"}])
    );

    let anon = send(
        stack,
        "POST",
        "/rest/v1/rpc/mailboxes_add",
        None,
        Some(&json!({"entry": {"id": "x"}})),
    );
    assert_eq!(anon.status, 401, "anon may not execute: {}", anon.body);
}

#[test]
fn twenty_concurrent_adds_all_land() {
    let stack = supabase::shared(Migration::Installed);
    let (id, session) = user_with_session(stack, "stack-concurrent-add@example.test");
    stack.set_settings(id, &json!({"apiKey": "keep"}));
    let token = access(&session);
    std::thread::scope(|s| {
        for n in 0..20 {
            s.spawn(move || {
                let answer = rpc(
                    stack,
                    token,
                    "mailboxes_add",
                    json!({"entry": {"id": format!("c{n}")}}),
                );
                assert_eq!(answer.status, 204, "{}", answer.body);
            });
        }
    });
    let settings = stack.settings(id).unwrap();
    let mut ids: Vec<String> = settings["mailboxes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_str().unwrap().to_owned())
        .collect();
    ids.sort();
    let mut expected: Vec<String> = (0..20).map(|n| format!("c{n}")).collect();
    expected.sort();
    assert_eq!(ids, expected);
    assert_eq!(settings["apiKey"], "keep");
}

#[test]
fn twenty_concurrent_adds_on_a_missing_row_all_land() {
    let stack = supabase::shared(Migration::Installed);
    let (id, session) = user_with_session(stack, "stack-concurrent-create@example.test");
    let token = access(&session);
    std::thread::scope(|s| {
        for n in 0..20 {
            s.spawn(move || {
                let answer = rpc(
                    stack,
                    token,
                    "mailboxes_add",
                    json!({"entry": {"id": format!("c{n}")}}),
                );
                assert_eq!(answer.status, 204, "{}", answer.body);
            });
        }
    });
    assert_eq!(
        stack.settings(id).unwrap()["mailboxes"]
            .as_array()
            .unwrap()
            .len(),
        20
    );
}

#[test]
fn without_the_migration_postgrest_answers_pgrst202() {
    let stack = supabase::shared(Migration::Absent);
    let (_, session) = user_with_session(stack, "stack-no-migration@example.test");
    for function in ["mailboxes_api_version", "mailboxes_add"] {
        let answer = rpc(
            stack,
            access(&session),
            function,
            json!({"entry": {"id": "m1"}}),
        );
        assert_eq!(answer.status, 404, "{}", answer.body);
        assert_eq!(answer.body["code"], "PGRST202", "{}", answer.body);
    }
}

#[test]
fn a_missing_table_is_42p01_in_postgrest_12() {
    let stack = supabase::shared(Migration::Absent);
    let (_, session) = user_with_session(stack, "stack-missing-table@example.test");
    let answer = send(
        stack,
        "GET",
        "/rest/v1/no_such_table",
        Some(access(&session)),
        None,
    );
    assert_eq!(answer.status, 404, "{}", answer.body);
    assert_eq!(answer.body["code"], "42P01", "PostgREST 13+ says PGRST205");
}

#[test]
fn installing_the_migration_later_is_picked_up() {
    let stack = Stack::start(Migration::Absent);
    let (_, session) = user_with_session(&stack, "stack-late-migration@example.test");
    assert_eq!(
        rpc(&stack, access(&session), "mailboxes_api_version", json!({})).body["code"],
        "PGRST202"
    );
    stack.install_migration();
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let answer = rpc(&stack, access(&session), "mailboxes_api_version", json!({}));
        if answer.status == 200 {
            assert_eq!(answer.body, json!(1));
            break;
        }
        assert!(std::time::Instant::now() < deadline, "{}", answer.body);
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn gateway_requires_an_apikey_and_records_request_lines() {
    let stack = supabase::shared(Migration::Installed);
    let response = agent()
        .get(format!(
            "{}/rest/v1/user_secrets?select=settings&marker=no-apikey",
            stack.url()
        ))
        .call()
        .expect("request");
    assert_eq!(response.status(), 401);
    let body: Value =
        serde_json::from_str(&response.into_body().read_to_string().unwrap()).unwrap();
    assert_eq!(body["message"], "No API key found in request");
    let lines = stack.request_lines();
    assert!(
        lines.contains(&"GET /rest/v1/user_secrets?select=settings&marker=no-apikey".to_owned()),
        "{lines:?}"
    );
    let unrouted = send(stack, "GET", "/storage/v1/object", None, None);
    assert_eq!(unrouted.status, 404);
}

#[test]
fn gateway_intercepts_requests_before_routing() {
    let stack = Stack::start(Migration::Absent);
    stack.intercept(Box::new(|request: &supabase::Request| {
        request
            .path()
            .starts_with("/rest/v1/")
            .then(|| supabase::Reply::json(503, &json!({"message": "injected"})))
    }));
    let answer = send(&stack, "GET", "/rest/v1/user_secrets", None, None);
    assert_eq!(
        (answer.status, &answer.body["message"]),
        (503, &json!("injected"))
    );
    stack.clear_interceptors();
    assert_eq!(
        send(&stack, "GET", "/rest/v1/user_secrets", None, None).status,
        401
    );
}

#[test]
fn update_many_merges_every_patch_in_one_change_and_skips_missing_ids() {
    let stack = supabase::shared(Migration::Installed);
    let (id, session) = user_with_session(stack, "stack-update-many@example.test");
    let token = access(&session);
    let unknown = json!({"id": "m2", "host": "imap.b", "futureField": [1, {"x": null}]});
    stack.set_settings(
        id,
        &json!({"apiKey": "sk-keep", "mailboxes": [{"id": "m1", "status": "pending"}, unknown, {"id": "m3"}], "mailboxesRevision": "r0"}),
    );

    let reply = rpc(
        stack,
        token,
        "mailboxes_update_many",
        json!({"patches": {
            "m1": {"status": "ok", "lastError": null},
            "m2": {"status": "error", "lastError": "no"},
            "gone": {"status": "ok"},
        }}),
    );
    assert_eq!((reply.status, &reply.body), (200, &json!(2)));
    let after = stack.settings(id).unwrap();
    assert_eq!(after["apiKey"], json!("sk-keep"));
    assert_eq!(
        after["mailboxes"],
        json!([
            {"id": "m1", "status": "ok", "lastError": null},
            {"id": "m2", "host": "imap.b", "futureField": [1, {"x": null}], "status": "error", "lastError": "no"},
            {"id": "m3"},
        ])
    );
    assert_ne!(after["mailboxesRevision"], json!("r0"));

    // Nothing to update: no write, the revision stays.
    let revision = after["mailboxesRevision"].clone();
    let none = rpc(
        stack,
        token,
        "mailboxes_update_many",
        json!({"patches": {"gone": {"status": "ok"}}}),
    );
    assert_eq!((none.status, &none.body), (200, &json!(0)));
    assert_eq!(stack.settings(id).unwrap()["mailboxesRevision"], revision);

    // Settings that are not an object are malformed data, not "no such entry".
    stack.set_settings(id, &json!(["not", "an", "object"]));
    for (function, args) in [
        (
            "mailboxes_update",
            json!({"mailbox_id": "m1", "patch": {"status": "ok"}}),
        ),
        (
            "mailboxes_update_many",
            json!({"patches": {"m1": {"status": "ok"}}}),
        ),
        ("mailboxes_remove", json!({"mailbox_ids": ["m1"]})),
        ("mailboxes_add", json!({"entry": {"id": "m9"}})),
    ] {
        let reply = rpc(stack, token, function, args);
        assert_eq!(
            (reply.status, &reply.body["code"]),
            (400, &json!("22023")),
            "{function}: {}",
            reply.body
        );
    }
    assert_eq!(stack.settings(id).unwrap(), json!(["not", "an", "object"]));
    stack.set_settings(id, &after);

    // A patch may not rename an entry.
    let bad = rpc(
        stack,
        token,
        "mailboxes_update_many",
        json!({"patches": {"m1": {"id": "m9"}}}),
    );
    assert_eq!((bad.status, &bad.body["code"]), (400, &json!("22023")));
}
