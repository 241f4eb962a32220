//! Who may read and change which area: the platform's scope rules (shared with the other
//! services), re-exported here.

pub use juxuan_platform::scope::*;
