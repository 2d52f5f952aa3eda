"""The support desk's lookup by reference: what happened at a login attempt quoted in a ticket, and what to answer."""
