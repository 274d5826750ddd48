"""Who may use the apps: password rules, sign-in with its throttle, and the sessions the
browsers hold. Sessions and attempts live in the store, so every process and a restart
see the same sign-outs and the same throttle."""
