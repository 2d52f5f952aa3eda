"""Keys the portal keeps in the session (certificate data itself is certauth's, under its own key)."""

#: The entity the member acts for in this session.
ENTITY = "portal_entity_id"
#: "password" for a legacy password session (certificate sessions carry certauth's SessionCertificate).
METHOD = "portal_login_method"
#: A password session may act only for entities whose cutover has not come: their ids.
PASSWORD_ENTITIES = "portal_password_entities"  # noqa: S105
#: When the schedule was last checked for a password session (epoch seconds), and the cutover found then.
SCHEDULE_CHECKED_AT = "rollout_checked_at"
CUTOVER_AT = "rollout_cutover_at"
#: Whether that cutover is a date staff set for the entity (an override), not its wave's (the banner says so).
CUTOVER_OWN_DATE = "rollout_cutover_own_date"
#: The login instant (epoch seconds), for every kind of session: the absolute limit counts from it.
LOGGED_IN_AT = "portal_logged_in_at"
#: The last request seen (epoch seconds, written at most once a minute): the idle limit counts from it.
LAST_SEEN = "_portal_last_seen"
#: When the member's access (member, memberships, entities) was last re-evaluated (epoch seconds).
ACCESS_CHECKED_AT = "portal_access_checked_at"
#: The session row's count of access changes seen at that re-evaluation (``certauth.sessions.access_generation``).
ACCESS_CHECKED_GENERATION = "portal_access_checked_generation"
#: The same, for the schedule's re-check of a password session.
SCHEDULE_CHECKED_GENERATION = "rollout_checked_generation"
