//! Generated protobuf and gRPC code of every Juxuan service.
//!
//! # Layout
//! - [`common::v1`]: area levels and paths, paging.
//! - [`nomination::v1`]: the area service and its events (elections, registers and
//!   nominations arrive later).
//! - [`review::v1`]: qualification review and candidate lists, and their events.
//! - [`ballot::v1`]: election day, counting and certificates, and their events.
//! - [`reporting::v1`]: progress and the other read models.
//! - [`audit::v1`]: every service's audit log and its verification.
//! - [`platform::v1`]: messages used by the platform's own tests.
//! - [`FILE_DESCRIPTOR_SET`]: every file, for gRPC reflection.

/// The encoded `FileDescriptorSet` of every Juxuan proto file.
pub const FILE_DESCRIPTOR_SET: &[u8] =
    include_bytes!(concat!(env!("OUT_DIR"), "/juxuan_descriptor.bin"));

pub mod common {
    pub mod v1 {
        tonic::include_proto!("juxuan.common.v1");
    }
}

pub mod nomination {
    pub mod v1 {
        tonic::include_proto!("juxuan.nomination.v1");
    }
}

pub mod review {
    pub mod v1 {
        tonic::include_proto!("juxuan.review.v1");
    }
}

pub mod ballot {
    pub mod v1 {
        tonic::include_proto!("juxuan.ballot.v1");
    }
}

pub mod reporting {
    pub mod v1 {
        tonic::include_proto!("juxuan.reporting.v1");
    }
}

pub mod audit {
    pub mod v1 {
        tonic::include_proto!("juxuan.audit.v1");
    }
}

pub mod platform {
    pub mod v1 {
        tonic::include_proto!("juxuan.platform.v1");
    }
}
