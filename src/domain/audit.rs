//! What the audit log records: every action has a name (stored, filtered on, exported)
//! and a label people read.

use chrono::{DateTime, Utc};
use uuid::Uuid;

/// One recorded event, as the log shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// Its id.
    pub id: Uuid,
    /// Who did it (their email, or the integration).
    pub actor_label: String,
    /// What happened.
    pub action: AuditAction,
    /// The object acted on.
    pub target_id: Option<Uuid>,
    /// Its name at the time.
    pub target_label: Option<String>,
    /// The client address.
    pub ip: Option<String>,
    /// The rest (scope diff, before → after).
    pub details: serde_json::Value,
    /// When.
    pub occurred_at: DateTime<Utc>,
}

/// Something that happened and is kept in the audit log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AuditAction {
    /// The installation's first agency and admin were created.
    AgencySetup,
    /// Someone signed in.
    SignIn,
    /// A sign-in failed.
    SignInFailed,
    /// An integration was created.
    IntegrationCreate,
    /// An integration's name, description or scopes changed.
    IntegrationUpdate,
    /// An integration was deleted.
    IntegrationDelete,
    /// **Rotate and expire this token later**.
    RotateLater,
    /// **Rotate and expire this token now**.
    RotateNow,
    /// **Cancel rotation**.
    CancelRotation,
    /// **Expire Now**.
    ExpireNow,
    /// A person was added.
    UserCreate,
    /// A person's role, permissions or sub-accounts changed.
    UserUpdate,
    /// A person was deactivated.
    UserDeactivate,
    /// A person was reactivated.
    UserReactivate,
    /// A person's sessions were all ended.
    UserSignOutEverywhere,
    /// A Labs flag changed.
    LabsUpdate,
    /// A sub-account was created through the API.
    ApiLocationCreate,
    /// A sub-account was renamed through the API.
    ApiLocationUpdate,
    /// A sub-account was deleted through the API.
    ApiLocationDelete,
    /// A person was added through the API.
    ApiUserCreate,
    /// A person was changed through the API.
    ApiUserUpdate,
    /// A person was removed through the API.
    ApiUserDelete,
    /// A token created a contact.
    ApiContactCreate,
    /// A token changed a contact (fields or tags).
    ApiContactUpdate,
    /// A token deleted a contact.
    ApiContactDelete,
    /// A password was right; the person's second step is awaited.
    PasswordAccepted,
    /// A second step (code or recovery code) failed.
    SecondStepFailed,
    /// Someone turned two-factor on.
    TwoFactorEnable,
    /// Someone turned two-factor off.
    TwoFactorDisable,
    /// A manager or the operator reset someone's two-factor.
    TwoFactorReset,
    /// Someone made new recovery codes.
    RecoveryCodesRegenerate,
    /// Someone signed in with a recovery code.
    RecoveryCodeUsed,
    /// Someone confirmed access (sudo mode).
    SudoConfirm,
    /// A confirmation of access failed.
    SudoFailed,
    /// The agency's security policy changed.
    SecurityPolicyUpdate,
    /// Someone changed their own password.
    PasswordChange,
    /// A password change was refused: the current password was wrong.
    PasswordChangeFailed,
    /// The operator set someone's password.
    PasswordSet,
    /// A webhook endpoint was added.
    WebhookCreate,
    /// A webhook endpoint's signing secret was rotated.
    WebhookRotateSecret,
    /// A webhook endpoint was disabled (by someone, or after failing for 24 hours).
    WebhookDisable,
    /// A webhook endpoint was enabled again.
    WebhookEnable,
    /// A webhook endpoint was deleted.
    WebhookDelete,
}

impl AuditAction {
    /// Every action, in the order the log's filter lists them.
    pub const ALL: [Self; 43] = [
        Self::AgencySetup,
        Self::SignIn,
        Self::SignInFailed,
        Self::IntegrationCreate,
        Self::IntegrationUpdate,
        Self::IntegrationDelete,
        Self::RotateLater,
        Self::RotateNow,
        Self::CancelRotation,
        Self::ExpireNow,
        Self::UserCreate,
        Self::UserUpdate,
        Self::UserDeactivate,
        Self::UserReactivate,
        Self::UserSignOutEverywhere,
        Self::LabsUpdate,
        Self::ApiLocationCreate,
        Self::ApiLocationUpdate,
        Self::ApiLocationDelete,
        Self::ApiUserCreate,
        Self::ApiUserUpdate,
        Self::ApiUserDelete,
        Self::ApiContactCreate,
        Self::ApiContactUpdate,
        Self::ApiContactDelete,
        Self::PasswordAccepted,
        Self::SecondStepFailed,
        Self::TwoFactorEnable,
        Self::TwoFactorDisable,
        Self::TwoFactorReset,
        Self::RecoveryCodesRegenerate,
        Self::RecoveryCodeUsed,
        Self::SudoConfirm,
        Self::SudoFailed,
        Self::SecurityPolicyUpdate,
        Self::PasswordChange,
        Self::PasswordChangeFailed,
        Self::PasswordSet,
        Self::WebhookCreate,
        Self::WebhookRotateSecret,
        Self::WebhookDisable,
        Self::WebhookEnable,
        Self::WebhookDelete,
    ];

    /// Its name: dotted, stable, what the log stores and exports.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::AgencySetup => "agency.setup",
            Self::SignIn => "user.sign_in",
            Self::SignInFailed => "user.sign_in_failed",
            Self::IntegrationCreate => "integration.create",
            Self::IntegrationUpdate => "integration.update",
            Self::IntegrationDelete => "integration.delete",
            Self::RotateLater => "integration.rotate_later",
            Self::RotateNow => "integration.rotate_now",
            Self::CancelRotation => "integration.cancel_rotation",
            Self::ExpireNow => "integration.expire_now",
            Self::UserCreate => "user.create",
            Self::UserUpdate => "user.update",
            Self::UserDeactivate => "user.deactivate",
            Self::UserReactivate => "user.reactivate",
            Self::UserSignOutEverywhere => "user.sign_out_everywhere",
            Self::LabsUpdate => "labs.update",
            Self::ApiLocationCreate => "api.location.create",
            Self::ApiLocationUpdate => "api.location.update",
            Self::ApiLocationDelete => "api.location.delete",
            Self::ApiUserCreate => "api.user.create",
            Self::ApiUserUpdate => "api.user.update",
            Self::ApiUserDelete => "api.user.delete",
            Self::ApiContactCreate => "api.contact.create",
            Self::ApiContactUpdate => "api.contact.update",
            Self::ApiContactDelete => "api.contact.delete",
            Self::PasswordAccepted => "user.password_accepted",
            Self::SecondStepFailed => "user.second_step_failed",
            Self::TwoFactorEnable => "user.two_factor_enable",
            Self::TwoFactorDisable => "user.two_factor_disable",
            Self::TwoFactorReset => "user.two_factor_reset",
            Self::RecoveryCodesRegenerate => "user.recovery_codes_regenerate",
            Self::RecoveryCodeUsed => "user.recovery_code_used",
            Self::SudoConfirm => "user.sudo_confirm",
            Self::SudoFailed => "user.sudo_failed",
            Self::SecurityPolicyUpdate => "agency.security_update",
            Self::PasswordChange => "user.password_change",
            Self::PasswordChangeFailed => "user.password_change_failed",
            Self::PasswordSet => "user.password_set",
            Self::WebhookCreate => "webhook.create",
            Self::WebhookRotateSecret => "webhook.rotate_secret",
            Self::WebhookDisable => "webhook.disable",
            Self::WebhookEnable => "webhook.enable",
            Self::WebhookDelete => "webhook.delete",
        }
    }

    /// The action of this name.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|action| action.as_str() == name)
    }

    /// What people read in the log.
    pub fn label(self) -> &'static str {
        match self {
            Self::AgencySetup => "Set up the agency",
            Self::SignIn => "Signed in",
            Self::SignInFailed => "Failed sign-in",
            Self::IntegrationCreate => "Created an integration",
            Self::IntegrationUpdate => "Edited an integration",
            Self::IntegrationDelete => "Deleted an integration",
            Self::RotateLater => "Rotated a token (old one expires later)",
            Self::RotateNow => "Rotated a token (old ones stopped now)",
            Self::CancelRotation => "Cancelled a rotation",
            Self::ExpireNow => "Expired an old token",
            Self::UserCreate => "Added a person",
            Self::UserUpdate => "Changed a person's access",
            Self::UserDeactivate => "Deactivated a person",
            Self::UserReactivate => "Reactivated a person",
            Self::UserSignOutEverywhere => "Signed a person out everywhere",
            Self::LabsUpdate => "Changed Labs",
            Self::ApiLocationCreate => "API: created a sub-account",
            Self::ApiLocationUpdate => "API: renamed a sub-account",
            Self::ApiLocationDelete => "API: deleted a sub-account",
            Self::ApiUserCreate => "API: added a person",
            Self::ApiUserUpdate => "API: changed a person",
            Self::ApiUserDelete => "API: removed a person",
            Self::ApiContactCreate => "API: created a contact",
            Self::ApiContactUpdate => "API: changed a contact",
            Self::ApiContactDelete => "API: deleted a contact",
            Self::PasswordAccepted => "Password accepted, awaiting the second step",
            Self::SecondStepFailed => "Failed second step",
            Self::TwoFactorEnable => "Turned two-factor on",
            Self::TwoFactorDisable => "Turned two-factor off",
            Self::TwoFactorReset => "Reset two-factor",
            Self::RecoveryCodesRegenerate => "Made new recovery codes",
            Self::RecoveryCodeUsed => "Signed in with a recovery code",
            Self::SudoConfirm => "Confirmed access",
            Self::SudoFailed => "Failed to confirm access",
            Self::SecurityPolicyUpdate => "Changed the security policy",
            Self::PasswordChange => "Changed their password",
            Self::PasswordChangeFailed => "Failed to change their password",
            Self::PasswordSet => "Password set by the operator",
            Self::WebhookCreate => "Added a webhook endpoint",
            Self::WebhookRotateSecret => "Rotated a webhook signing secret",
            Self::WebhookDisable => "Disabled a webhook endpoint",
            Self::WebhookEnable => "Enabled a webhook endpoint",
            Self::WebhookDelete => "Deleted a webhook endpoint",
        }
    }

    /// Whether the action concerns an integration (its target is one).
    pub fn is_about_an_integration(self) -> bool {
        matches!(
            self,
            Self::IntegrationCreate
                | Self::IntegrationUpdate
                | Self::IntegrationDelete
                | Self::RotateLater
                | Self::RotateNow
                | Self::CancelRotation
                | Self::ExpireNow
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_round_trip_and_fit_the_stored_shape() {
        let mut seen = std::collections::HashSet::new();
        for action in AuditAction::ALL {
            assert!(seen.insert(action.as_str()), "{} twice", action.as_str());
            assert_eq!(AuditAction::parse(action.as_str()), Some(action));
            let shape = action.as_str().split('.').all(|part| {
                !part.is_empty() && part.bytes().all(|byte| byte.is_ascii_lowercase() || byte == b'_')
            });
            assert!(shape, "{} does not match the CHECK constraint", action.as_str());
        }
        assert_eq!(AuditAction::parse("integration.explode"), None);
    }
}
