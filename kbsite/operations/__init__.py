"""
Running the site rather than its content: backups and restores of the database and the media
(`manage.py backup_site`, `manage.py restore_site`). A Django app of its own, so that its
commands are found, with no models.
"""
