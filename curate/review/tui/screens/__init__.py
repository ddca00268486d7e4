"""Screens of the review app: review, dashboard, help, filters, search, edit, reject reason."""
