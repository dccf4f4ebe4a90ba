"""Use cases: what the API, the pages, the CLI and the Odoo link do to the database.

One module per capability; each function is one transaction and takes its rules from
``service.domain``. Use cases never import an adapter: what Odoo must be told is an outbox row
they write (``outbox``), which the Odoo link delivers.

| module | capability |
| --- | --- |
| ``estates`` | estates and their rules |
| ``jobs`` | repair jobs: create (bulk), update, list |
| ``callbacks`` | callbacks and the job's summary columns |
| ``rectifications`` | what a callback found, to be fixed |
| ``compliance`` | the figures of one estate-period |
| ``dashboard`` | the dashboard's and monthly report's figures beyond compliance |
| ``ledger`` | the callback ledger (回访台帐) rows |
| ``staff`` | staff members; ``signin`` their passwords and sign-in |
| ``form_links`` | reading a form link (QR code) and marking it used |
| ``confirmations`` | what residents answer and sign on their own phone |
| ``staff_submissions`` | a callback recorded on the staff page, with a signature |
| ``signatures`` | checking a drawn signature |
| ``documents`` | forms and receipts as PDFs (through ``qr_forms``) |
| ``outbox`` | what Odoo must be told, as rows |
| ``audit`` | the audit log |
| ``queries`` | shared lookups, filters and bulk inserts |
"""
