//! One routed page per file.

pub mod agreement;
pub mod methods;
pub mod not_found;
pub mod overview;
pub mod question;
pub mod questions;
pub mod response;
pub mod responses;
pub mod review;
