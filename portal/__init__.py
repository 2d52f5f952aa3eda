"""portal: the Django project (settings, urls, wsgi) and the site — partner entities, members, binding, pages."""
