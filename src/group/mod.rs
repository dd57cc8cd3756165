//! Consumer groups: the "consumer" protocol payloads ([`protocol`]), assignors ([`assignor`]),
//! and a member's life in a group ([`member`]).

pub mod assignor;
pub mod member;
pub mod protocol;
