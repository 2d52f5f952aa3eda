"""Running the stack: the nginx configuration rendered from settings, and the nginx + gunicorn processes.

Used by ``manage.py render_nginx`` / ``manage.py serve`` (``make run``) and by the end-to-end tests, so the
tests exercise exactly the configuration the demo serves.
"""
