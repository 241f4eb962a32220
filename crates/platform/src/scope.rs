//! Who may read and change which area: role checks and area containment.
//!
//! A token names the area its holder acts in. A district-level caller reaches everything in
//! its district, a street officer its street and the street's communities, a community-level
//! caller only its community. Cross-scope access is refused with 403, never answered with an
//! empty list.

use crate::AppError;
use crate::auth::{AreaLevel, Caller, Role};
use uuid::Uuid;

/// Where an area sits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AreaPath {
    pub level: AreaLevel,
    pub id: Uuid,
    pub district_id: Uuid,
    pub street_id: Option<Uuid>,
    pub community_id: Option<Uuid>,
}

impl AreaPath {
    pub fn district(id: Uuid) -> Self {
        Self {
            level: AreaLevel::District,
            id,
            district_id: id,
            street_id: None,
            community_id: None,
        }
    }

    pub fn street(id: Uuid, district_id: Uuid) -> Self {
        Self {
            level: AreaLevel::Street,
            id,
            district_id,
            street_id: Some(id),
            community_id: None,
        }
    }

    pub fn community(id: Uuid, street_id: Uuid, district_id: Uuid) -> Self {
        Self {
            level: AreaLevel::Community,
            id,
            district_id,
            street_id: Some(street_id),
            community_id: Some(id),
        }
    }
}

/// Whether the caller's area contains (or is) the area.
pub fn contains(caller: &Caller, area: &AreaPath) -> bool {
    match caller.role {
        Role::System => true,
        _ => match caller.area_level {
            AreaLevel::District => area.district_id == caller.area_id,
            AreaLevel::Street => area.street_id == Some(caller.area_id),
            AreaLevel::Community => area.community_id == Some(caller.area_id),
        },
    }
}

/// Whether the district is the caller's own (every caller belongs to one district; anyone
/// there may read the district's own record).
pub fn in_district(caller: &Caller, district_id: Uuid) -> bool {
    caller.role == Role::System || caller.district_id == district_id
}

/// Reading areas: every person role but terminals, and machine clients with `areas:read`.
pub fn may_read(caller: &Caller) -> bool {
    match caller.role {
        Role::Terminal => false,
        Role::Client => caller.has_scope("areas:read"),
        _ => true,
    }
}

/// Who keeps a community's election work (API.md "who does what"): the community's officer,
/// its street's officer, the district admin.
pub const KEEPERS: &[Role] = &[
    Role::DistrictAdmin,
    Role::StreetOfficer,
    Role::CommunityOfficer,
];

/// 403 unless the caller may read the area.
pub fn require_read(caller: &Caller, area: &AreaPath) -> Result<(), AppError> {
    if may_read(caller) && contains(caller, area) {
        Ok(())
    } else {
        Err(AppError::forbidden())
    }
}

/// 403 unless the caller has one of the roles and its area contains the area.
pub fn require_write(caller: &Caller, roles: &[Role], area: &AreaPath) -> Result<(), AppError> {
    if (roles.contains(&caller.role) || caller.role == Role::System) && contains(caller, area) {
        Ok(())
    } else {
        Err(AppError::forbidden())
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    fn caller(role: Role, level: AreaLevel, area_id: Uuid) -> Caller {
        Caller {
            id: "u".into(),
            name: "u".into(),
            role,
            area_level: level,
            area_id,
            district_id: area_id,
            scopes: vec![],
            jti: "j".into(),
            expires_at: 0,
            token: Arc::from(""),
        }
    }

    #[test]
    fn a_street_officer_reaches_its_street_and_its_communities_only() {
        let (d, s, other_s, c) = (
            Uuid::new_v4(),
            Uuid::new_v4(),
            Uuid::new_v4(),
            Uuid::new_v4(),
        );
        let officer = caller(Role::StreetOfficer, AreaLevel::Street, s);
        assert!(contains(&officer, &AreaPath::street(s, d)));
        assert!(contains(&officer, &AreaPath::community(c, s, d)));
        assert!(!contains(&officer, &AreaPath::community(c, other_s, d)));
        assert!(!contains(&officer, &AreaPath::district(d)));
        assert!(!contains(&officer, &AreaPath::street(other_s, d)));
    }

    #[test]
    fn a_community_officer_reaches_its_community_only() {
        let (d, s, c, other_c) = (
            Uuid::new_v4(),
            Uuid::new_v4(),
            Uuid::new_v4(),
            Uuid::new_v4(),
        );
        let officer = caller(Role::CommunityOfficer, AreaLevel::Community, c);
        assert!(contains(&officer, &AreaPath::community(c, s, d)));
        assert!(!contains(&officer, &AreaPath::community(other_c, s, d)));
        assert!(!contains(&officer, &AreaPath::street(s, d)));
    }

    #[test]
    fn a_district_admin_reaches_its_district_and_not_another() {
        let (d, other_d, s, c) = (
            Uuid::new_v4(),
            Uuid::new_v4(),
            Uuid::new_v4(),
            Uuid::new_v4(),
        );
        let admin = caller(Role::DistrictAdmin, AreaLevel::District, d);
        assert!(contains(&admin, &AreaPath::community(c, s, d)));
        assert!(!contains(&admin, &AreaPath::community(c, s, other_d)));
    }

    #[test]
    fn terminals_read_nothing_and_clients_need_the_areas_scope() {
        let d = Uuid::new_v4();
        let terminal = caller(Role::Terminal, AreaLevel::District, d);
        assert!(require_read(&terminal, &AreaPath::district(d)).is_err());
        let mut client = caller(Role::Client, AreaLevel::District, d);
        assert!(require_read(&client, &AreaPath::district(d)).is_err());
        client.scopes.push("areas:read".into());
        assert!(require_read(&client, &AreaPath::district(d)).is_ok());
    }

    #[test]
    fn writing_needs_both_the_role_and_the_area() {
        let (d, s) = (Uuid::new_v4(), Uuid::new_v4());
        let observer = caller(Role::Observer, AreaLevel::District, d);
        assert!(require_write(&observer, &[Role::DistrictAdmin], &AreaPath::street(s, d)).is_err());
        let admin = caller(Role::DistrictAdmin, AreaLevel::District, d);
        assert!(require_write(&admin, &[Role::DistrictAdmin], &AreaPath::street(s, d)).is_ok());
        assert!(
            require_write(
                &admin,
                &[Role::DistrictAdmin],
                &AreaPath::street(s, Uuid::new_v4())
            )
            .is_err()
        );
    }
}
