//! Every dashboard form's decoder meets an arbitrary body with a value or an error,
//! never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use private_integrations::routes::auth::{setup::SetupForm, sign_in::SignInForm};
use private_integrations::routes::integrations::wizard::{DetailsForm, ScopesForm};
use private_integrations::routes::team::{edit::AccessForm, new::NewForm};

fuzz_target!(|data: &[u8]| {
    let _ = serde_html_form::from_bytes::<SignInForm>(data);
    let _ = serde_html_form::from_bytes::<SetupForm>(data);
    let _ = serde_html_form::from_bytes::<DetailsForm>(data);
    let _ = serde_html_form::from_bytes::<ScopesForm>(data);
    let _ = serde_html_form::from_bytes::<NewForm>(data);
    let _ = serde_html_form::from_bytes::<AccessForm>(data);
});
