"""Who did what: users and roles (``access``), the audit log (``audit``), dashboard sign-in
sessions (``sessions``), and analysts' decisions on links (``review``) and flags
(``flag_decisions``), each saved so it survives crashes and re-runs."""
