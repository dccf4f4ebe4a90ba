"""Request plumbing the REST API, the pages and the Odoo push share: dependencies, errors."""
