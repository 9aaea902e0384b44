FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    DJANGO_SETTINGS_MODULE=kbsite.settings.production \
    PORT=8000

WORKDIR /app
RUN useradd --create-home --uid 1000 kb

COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt

COPY --chown=kb:kb . .
# collectstatic needs settings to load; the key is thrown away with this layer's environment.
RUN SECRET_KEY=collectstatic-only python manage.py collectstatic --noinput \
    && mkdir -p /app/media && chown kb:kb /app/media

USER kb
EXPOSE 8000
# kbsite/serve.py: granian on $PORT, WEB_CONCURRENCY workers (default 3).
CMD ["python", "-m", "kbsite.serve", "--access-log"]
