//! Events (SPEC §10): what happened to an integration or its tokens, as the bell, email
//! and signed webhooks tell it. An event is written once, in the transaction that makes
//! the change (or by the scheduler, for what time alone brings about), and fanned out to
//! the people who manage the integration's level and to the endpoints that subscribe.

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use super::access::Context;
use super::ids::{AgencyId, IntegrationId, SubAccountId};
use super::integration::{Integration, Token};
use super::rotation::TokenState;

/// What happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EventKind {
    /// `integration.created`.
    IntegrationCreated,
    /// `integration.updated`: name, description or scopes changed.
    IntegrationUpdated,
    /// `integration.deleted`: its tokens stopped working.
    IntegrationDeleted,
    /// `token.rotation_started`: a new token; the old one works until the overlap ends.
    RotationStarted,
    /// `token.rotation_cancelled`: the new token is gone, the old one is current again.
    RotationCancelled,
    /// `token.expired_early`: the old token of a rotation stopped before its time.
    ExpiredEarly,
    /// `token.rotated_now`: a new token, and the old one stopped at once.
    RotatedNow,
    /// `token.expiring`: a rotation's overlap ends within 24 hours.
    TokenExpiring,
    /// `token.expired`: a rotation's overlap ended; the old token no longer works.
    TokenExpired,
    /// `integration.rotation_recommended`: the current token is 90 days old.
    RotationRecommended,
    /// `integration.unused`: no request in the configured number of days.
    IntegrationUnused,
    /// `webhook_endpoint.disabled`: an endpoint failed for 24 hours (people only).
    EndpointDisabled,
    /// `webhook.test`: **Send test event** (one endpoint only).
    Test,
}

impl EventKind {
    /// The kinds an endpoint may subscribe to, in the order the form lists them.
    pub const SUBSCRIBABLE: [Self; 11] = [
        Self::IntegrationCreated,
        Self::IntegrationUpdated,
        Self::IntegrationDeleted,
        Self::RotationStarted,
        Self::RotationCancelled,
        Self::ExpiredEarly,
        Self::RotatedNow,
        Self::TokenExpiring,
        Self::TokenExpired,
        Self::RotationRecommended,
        Self::IntegrationUnused,
    ];

    /// Every kind.
    const ALL: [Self; 13] = [
        Self::IntegrationCreated,
        Self::IntegrationUpdated,
        Self::IntegrationDeleted,
        Self::RotationStarted,
        Self::RotationCancelled,
        Self::ExpiredEarly,
        Self::RotatedNow,
        Self::TokenExpiring,
        Self::TokenExpired,
        Self::RotationRecommended,
        Self::IntegrationUnused,
        Self::EndpointDisabled,
        Self::Test,
    ];

    /// The wire name: the webhook body's `type`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::IntegrationCreated => "integration.created",
            Self::IntegrationUpdated => "integration.updated",
            Self::IntegrationDeleted => "integration.deleted",
            Self::RotationStarted => "token.rotation_started",
            Self::RotationCancelled => "token.rotation_cancelled",
            Self::ExpiredEarly => "token.expired_early",
            Self::RotatedNow => "token.rotated_now",
            Self::TokenExpiring => "token.expiring",
            Self::TokenExpired => "token.expired",
            Self::RotationRecommended => "integration.rotation_recommended",
            Self::IntegrationUnused => "integration.unused",
            Self::EndpointDisabled => "webhook_endpoint.disabled",
            Self::Test => "webhook.test",
        }
    }

    /// The kind of a wire name.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.as_str() == name)
    }

    /// What the webhook form says of it.
    pub fn describe(self) -> &'static str {
        match self {
            Self::IntegrationCreated => "An integration was created",
            Self::IntegrationUpdated => "An integration's name, description or scopes changed",
            Self::IntegrationDeleted => "An integration was deleted",
            Self::RotationStarted => "A token was rotated; the old one keeps working for the overlap",
            Self::RotationCancelled => "A rotation was cancelled",
            Self::ExpiredEarly => "The old token of a rotation was expired early",
            Self::RotatedNow => "A token was rotated and the old one expired at once",
            Self::TokenExpiring => "A rotation's old token stops working within 24 hours",
            Self::TokenExpired => "A rotation's old token stopped working",
            Self::RotationRecommended => "A token is 90 days old and should be rotated",
            Self::IntegrationUnused => "An integration has not been used for a while",
            Self::EndpointDisabled => "A webhook endpoint was disabled after failing for 24 hours",
            Self::Test => "A test event",
        }
    }

    /// Whether people hear of it (the bell and email): everything but test events.
    pub fn notifies_people(self) -> bool {
        self != Self::Test
    }
}

impl std::fmt::Display for EventKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An event to record.
#[derive(Debug, Clone)]
pub struct Event {
    /// Its id: the webhook's `webhook-id` (as `msg_…`) on every attempt to every endpoint.
    pub id: uuid::Uuid,
    /// The agency.
    pub agency_id: AgencyId,
    /// The sub-account, for a sub-account's integration.
    pub sub_account_id: Option<SubAccountId>,
    /// What happened.
    pub kind: EventKind,
    /// The integration it concerns.
    pub integration_id: Option<IntegrationId>,
    /// The webhook body's `data`.
    pub data: Value,
    /// When.
    pub occurred_at: DateTime<Utc>,
    /// For events time brings about: at most one event per key, ever.
    pub once_key: Option<String>,
}

impl Event {
    /// An event about `integration` (in its owner's context).
    pub fn about(kind: EventKind, integration: &Integration, extra: Value, now: DateTime<Utc>) -> Self {
        let mut data = json!({
            "integration": {
                "id": integration.id,
                "name": integration.name,
                "scopes": integration.scopes,
            },
            "companyId": integration.owner.agency_id,
            "locationId": integration.owner.sub_account_id,
        });
        if let (Value::Object(data), Value::Object(extra)) = (&mut data, extra) {
            data.extend(extra);
        }
        Self {
            id: uuid::Uuid::now_v7(),
            agency_id: integration.owner.agency_id,
            sub_account_id: integration.owner.sub_account_id,
            kind,
            integration_id: Some(integration.id),
            data,
            occurred_at: now,
            once_key: None,
        }
    }

    /// The same event, recorded at most once for `key`.
    pub fn once(self, key: String) -> Self {
        Self { once_key: Some(key), ..self }
    }

    /// The context whose people and endpoints hear of it.
    pub fn context(&self) -> Context {
        Context::of(self.agency_id, self.sub_account_id)
    }

    /// The webhook body: `{type, timestamp, data}` (Standard Webhooks).
    pub fn body(&self) -> String {
        json!({
            "type": self.kind.as_str(),
            "timestamp": self.occurred_at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            "data": self.data,
        })
        .to_string()
    }

    /// What the bell and the email say of it.
    pub fn headline(&self) -> String {
        headline(self.kind, &self.data)
    }
}

/// A token as an event's data shows it: never its secret or digest.
pub fn token_data(token: &Token) -> Value {
    let expires_at = match token.state {
        TokenState::Expiring { expires_at } => Some(expires_at),
        TokenState::Current | TokenState::Revoked => None,
    };
    json!({ "id": token.id, "last4": token.last4, "expiresAt": expires_at })
}

/// What the bell, the Notifications page and the email say of an event, from its kind and
/// its data (the integration's name at the time).
pub fn headline(kind: EventKind, data: &Value) -> String {
    let name = data.pointer("/integration/name").and_then(Value::as_str).unwrap_or("an integration");
    match kind {
        EventKind::IntegrationCreated => format!("Integration “{name}” was created"),
        EventKind::IntegrationUpdated => format!("Integration “{name}” was edited"),
        EventKind::IntegrationDeleted => {
            format!("Integration “{name}” was deleted; its tokens no longer work")
        }
        EventKind::RotationStarted => {
            format!("The token of “{name}” was rotated; the old token keeps working for the overlap")
        }
        EventKind::RotationCancelled => format!("The rotation of “{name}” was cancelled"),
        EventKind::ExpiredEarly => format!("The old token of “{name}” was expired early"),
        EventKind::RotatedNow => {
            format!("The token of “{name}” was rotated and the old token expired at once")
        }
        EventKind::TokenExpiring => format!("The old token of “{name}” stops working within 24 hours"),
        EventKind::TokenExpired => format!("The old token of “{name}” stopped working"),
        EventKind::RotationRecommended => {
            format!("The token of “{name}” is over 90 days old: rotate it")
        }
        EventKind::IntegrationUnused => {
            let days = data.get("unusedDays").and_then(Value::as_i64).unwrap_or(30);
            format!("“{name}” has not been used in {days} days")
        }
        EventKind::EndpointDisabled => {
            let url = data.pointer("/endpoint/url").and_then(Value::as_str).unwrap_or("a webhook endpoint");
            format!("Webhook endpoint {url} was disabled after failing for 24 hours")
        }
        EventKind::Test => "Test event".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_reads_back_from_its_wire_name() {
        for kind in EventKind::ALL {
            assert_eq!(EventKind::parse(kind.as_str()), Some(kind));
        }
        assert_eq!(EventKind::parse("token.Expiring"), None);
        assert!(!EventKind::SUBSCRIBABLE.contains(&EventKind::Test));
        assert!(!EventKind::SUBSCRIBABLE.contains(&EventKind::EndpointDisabled));
    }

    #[test]
    fn headlines_name_the_integration() {
        let data = json!({ "integration": { "name": "Zapier sync" }, "unusedDays": 45 });
        assert_eq!(
            headline(EventKind::TokenExpiring, &data),
            "The old token of “Zapier sync” stops working within 24 hours"
        );
        assert_eq!(
            headline(EventKind::IntegrationUnused, &data),
            "“Zapier sync” has not been used in 45 days"
        );
    }
}
