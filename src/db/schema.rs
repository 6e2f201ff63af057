// @generated automatically by Diesel CLI.

diesel::table! {
    agencies (id) {
        id -> Uuid,
        name -> Text,
        labs_private_integrations -> Bool,
        created_at -> Timestamptz,
        require_two_factor -> Bool,
    }
}

diesel::table! {
    audit_events (id) {
        id -> Uuid,
        agency_id -> Nullable<Uuid>,
        sub_account_id -> Nullable<Uuid>,
        actor_user_id -> Nullable<Uuid>,
        actor_label -> Text,
        action -> Text,
        target_id -> Nullable<Uuid>,
        target_label -> Nullable<Text>,
        ip -> Nullable<Text>,
        details -> Jsonb,
        occurred_at -> Timestamptz,
    }
}

diesel::table! {
    contacts (id) {
        id -> Uuid,
        sub_account_id -> Uuid,
        first_name -> Nullable<Text>,
        last_name -> Nullable<Text>,
        email -> Nullable<Text>,
        phone -> Nullable<Text>,
        company_name -> Nullable<Text>,
        address1 -> Nullable<Text>,
        city -> Nullable<Text>,
        state -> Nullable<Text>,
        postal_code -> Nullable<Text>,
        country -> Nullable<Text>,
        website -> Nullable<Text>,
        timezone -> Nullable<Text>,
        source -> Nullable<Text>,
        gender -> Nullable<Text>,
        date_of_birth -> Nullable<Date>,
        contact_type -> Text,
        dnd -> Bool,
        tags -> Array<Nullable<Text>>,
        assigned_to -> Nullable<Uuid>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        search -> Nullable<Text>,
    }
}

diesel::table! {
    events (id) {
        id -> Uuid,
        agency_id -> Uuid,
        sub_account_id -> Nullable<Uuid>,
        kind -> Text,
        integration_id -> Nullable<Uuid>,
        data -> Jsonb,
        occurred_at -> Timestamptz,
        once_key -> Nullable<Text>,
    }
}

diesel::table! {
    installation_secrets (name) {
        name -> Text,
        value -> Bytea,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    integration_tokens (id) {
        id -> Uuid,
        integration_id -> Uuid,
        digest -> Bytea,
        last4 -> Text,
        state -> Text,
        created_at -> Timestamptz,
        expires_at -> Nullable<Timestamptz>,
        revoked_at -> Nullable<Timestamptz>,
        last_used_at -> Nullable<Timestamptz>,
        last_used_ip -> Nullable<Text>,
    }
}

diesel::table! {
    integrations (id) {
        id -> Uuid,
        agency_id -> Uuid,
        sub_account_id -> Nullable<Uuid>,
        name -> Text,
        description -> Text,
        scopes -> Array<Nullable<Text>>,
        created_by -> Nullable<Uuid>,
        created_by_label -> Text,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        deleted_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    notifications (user_id, event_id) {
        user_id -> Uuid,
        event_id -> Uuid,
        read_at -> Nullable<Timestamptz>,
        email -> Text,
        email_attempts -> Int4,
        email_next_at -> Nullable<Timestamptz>,
        email_leased_until -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    recovery_codes (id) {
        id -> Uuid,
        user_id -> Uuid,
        digest -> Bytea,
        used_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    sessions (key_digest) {
        key_digest -> Bytea,
        user_id -> Nullable<Uuid>,
        state -> Jsonb,
        created_at -> Timestamptz,
        expires_at -> Timestamptz,
    }
}

diesel::table! {
    setup_links (token_digest) {
        token_digest -> Bytea,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    sign_in_attempts (id) {
        id -> Int8,
        email -> Text,
        ip -> Text,
        attempted_at -> Timestamptz,
        failed -> Bool,
    }
}

diesel::table! {
    sub_account_memberships (user_id, sub_account_id) {
        user_id -> Uuid,
        sub_account_id -> Uuid,
        agency_id -> Uuid,
    }
}

diesel::table! {
    sub_accounts (id) {
        id -> Uuid,
        agency_id -> Uuid,
        name -> Text,
        labs_private_integrations -> Bool,
        created_at -> Timestamptz,
        phone -> Nullable<Text>,
        email -> Nullable<Text>,
        address -> Nullable<Text>,
        city -> Nullable<Text>,
        state -> Nullable<Text>,
        country -> Nullable<Text>,
        postal_code -> Nullable<Text>,
        website -> Nullable<Text>,
        timezone -> Nullable<Text>,
        allow_duplicate_contact -> Bool,
    }
}

diesel::table! {
    token_reveals (id) {
        id -> Uuid,
        user_id -> Uuid,
        integration_id -> Uuid,
        nonce -> Bytea,
        sealed -> Bytea,
        created_at -> Timestamptz,
        expires_at -> Timestamptz,
    }
}

diesel::table! {
    two_factor (user_id) {
        user_id -> Uuid,
        nonce -> Bytea,
        sealed -> Bytea,
        enabled_at -> Nullable<Timestamptz>,
        last_step -> Nullable<Int8>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    usage_addresses (token_id, ip) {
        token_id -> Uuid,
        integration_id -> Uuid,
        ip -> Text,
        first_seen -> Timestamptz,
        last_seen -> Timestamptz,
        requests -> Int8,
    }
}

diesel::table! {
    usage_daily (integration_id, day, outcome) {
        integration_id -> Uuid,
        day -> Date,
        outcome -> Text,
        requests -> Int8,
    }
}

diesel::table! {
    usage_hourly (token_id, hour, endpoint, scope, outcome) {
        token_id -> Uuid,
        integration_id -> Uuid,
        hour -> Timestamptz,
        endpoint -> Text,
        scope -> Text,
        outcome -> Text,
        requests -> Int8,
    }
}

diesel::table! {
    users (id) {
        id -> Uuid,
        agency_id -> Uuid,
        email -> Text,
        name -> Text,
        role -> Text,
        password_hash -> Nullable<Text>,
        active -> Bool,
        manage_agency_integrations -> Bool,
        manage_sub_account_integrations -> Bool,
        manage_team -> Bool,
        manage_integrations -> Bool,
        manage_staff -> Bool,
        created_at -> Timestamptz,
        first_name -> Text,
        last_name -> Text,
        phone -> Nullable<Text>,
        email_notifications -> Bool,
    }
}

diesel::table! {
    webhook_attempts (id) {
        id -> Uuid,
        delivery_id -> Uuid,
        endpoint_id -> Uuid,
        attempt -> Int4,
        attempted_at -> Timestamptz,
        status -> Nullable<Int4>,
        error -> Nullable<Text>,
        response -> Nullable<Text>,
        duration_ms -> Int4,
    }
}

diesel::table! {
    webhook_deliveries (id) {
        id -> Uuid,
        endpoint_id -> Uuid,
        event_id -> Uuid,
        state -> Text,
        attempts -> Int4,
        next_attempt_at -> Timestamptz,
        leased_until -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    webhook_endpoints (id) {
        id -> Uuid,
        agency_id -> Uuid,
        sub_account_id -> Nullable<Uuid>,
        url -> Text,
        events -> Array<Nullable<Text>>,
        secret_nonce -> Bytea,
        secret_sealed -> Bytea,
        previous_nonce -> Nullable<Bytea>,
        previous_sealed -> Nullable<Bytea>,
        previous_until -> Nullable<Timestamptz>,
        secret_shown_to -> Nullable<Uuid>,
        secret_shown_until -> Nullable<Timestamptz>,
        disabled_at -> Nullable<Timestamptz>,
        disabled_reason -> Nullable<Text>,
        failing_since -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
        created_by_label -> Text,
    }
}

diesel::joinable!(audit_events -> agencies (agency_id));
diesel::joinable!(audit_events -> sub_accounts (sub_account_id));
diesel::joinable!(audit_events -> users (actor_user_id));
diesel::joinable!(contacts -> sub_accounts (sub_account_id));
diesel::joinable!(contacts -> users (assigned_to));
diesel::joinable!(events -> agencies (agency_id));
diesel::joinable!(events -> sub_accounts (sub_account_id));
diesel::joinable!(integration_tokens -> integrations (integration_id));
diesel::joinable!(integrations -> agencies (agency_id));
diesel::joinable!(integrations -> users (created_by));
diesel::joinable!(notifications -> events (event_id));
diesel::joinable!(notifications -> users (user_id));
diesel::joinable!(recovery_codes -> users (user_id));
diesel::joinable!(sessions -> users (user_id));
diesel::joinable!(sub_accounts -> agencies (agency_id));
diesel::joinable!(token_reveals -> integrations (integration_id));
diesel::joinable!(token_reveals -> users (user_id));
diesel::joinable!(two_factor -> users (user_id));
diesel::joinable!(usage_addresses -> integration_tokens (token_id));
diesel::joinable!(usage_addresses -> integrations (integration_id));
diesel::joinable!(usage_daily -> integrations (integration_id));
diesel::joinable!(usage_hourly -> integration_tokens (token_id));
diesel::joinable!(usage_hourly -> integrations (integration_id));
diesel::joinable!(users -> agencies (agency_id));
diesel::joinable!(webhook_attempts -> webhook_deliveries (delivery_id));
diesel::joinable!(webhook_attempts -> webhook_endpoints (endpoint_id));
diesel::joinable!(webhook_deliveries -> events (event_id));
diesel::joinable!(webhook_deliveries -> webhook_endpoints (endpoint_id));
diesel::joinable!(webhook_endpoints -> agencies (agency_id));
diesel::joinable!(webhook_endpoints -> sub_accounts (sub_account_id));
diesel::joinable!(webhook_endpoints -> users (secret_shown_to));

diesel::allow_tables_to_appear_in_same_query!(
    agencies,
    audit_events,
    contacts,
    events,
    installation_secrets,
    integration_tokens,
    integrations,
    notifications,
    recovery_codes,
    sessions,
    setup_links,
    sign_in_attempts,
    sub_account_memberships,
    sub_accounts,
    token_reveals,
    two_factor,
    usage_addresses,
    usage_daily,
    usage_hourly,
    users,
    webhook_attempts,
    webhook_deliveries,
    webhook_endpoints,
);
