"""Settings of the benchmark server: the product as configured for development with DEBUG off,
plus the reference views the benchmarks compare against (bench/urls.py)."""

from config.django.base import *  # noqa: F403

DEBUG = False
ROOT_URLCONF = "bench.urls"
