//! Every API body's decoder meets arbitrary bytes with a value or an error, never a
//! panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use private_integrations::api::introspect::IntrospectionForm;
use private_integrations::api::writes::{LocationBody, UserBody};

fuzz_target!(|data: &[u8]| {
    let _ = serde_json::from_slice::<UserBody>(data);
    let _ = serde_json::from_slice::<LocationBody>(data);
    let _ = serde_html_form::from_bytes::<IntrospectionForm>(data);
});
