"""Board accounts: lockout after failed logins, the second factor, expiring per-device API tokens."""
