"""The engagement ledger staff write: activities, training, programs and recurring meetings in one SQLite file
(``book``), checked row by row for bulk uploads (``bulk``), entered through forms (``form``), with meeting
schedules (``schedules``, ``meetings``).
"""
