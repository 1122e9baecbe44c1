# Rejoinder: builds from this repository alone and runs `rejoinder run`.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# A compiler for the few dependencies without a wheel for this platform.
RUN apt-get update \
 && apt-get install -y --no-install-recommends build-essential \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY pyproject.toml requirements.lock README.md ./
COPY bot ./bot
COPY skills ./skills
COPY prompts ./prompts
COPY integrations ./integrations
RUN pip install --no-cache-dir -c requirements.lock . \
 && useradd --create-home rejoinder \
 && mkdir /data && chown rejoinder /data

USER rejoinder
WORKDIR /data
# Mount the workspace file at /data/rejoinder.yaml; secrets come from the environment.
ENV REJOINDER_CONFIG=/data/rejoinder.yaml \
    REJOINDER_DATABASE_URL=sqlite+aiosqlite:////data/rejoinder.db \
    REJOINDER_HTTP_HOST=0.0.0.0
EXPOSE 3000
ENTRYPOINT ["rejoinder"]
CMD ["run"]
