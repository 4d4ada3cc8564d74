# The application image: web (ASGI), worker and beat all run from it (see docker-compose.yml).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    DJANGO_ENV=production

RUN useradd --create-home --uid 1000 app
WORKDIR /app
COPY . .
RUN pip install . \
    && SECRET_KEY=unused FIELD_ENCRYPTION_KEY=unused WHATSAPP_APP_SECRET=unused ALLOWED_HOSTS=localhost \
       DATABASE_URL=postgres://unused/unused python manage.py collectstatic --noinput \
    && mkdir -p /app/media && chown app /app/media

USER app
EXPOSE 8000
CMD ["uvicorn", "config.asgi:application", "--host", "0.0.0.0", "--port", "8000", "--lifespan", "off", \
     "--proxy-headers", "--forwarded-allow-ips", "*"]
