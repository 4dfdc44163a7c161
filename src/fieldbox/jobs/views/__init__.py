"""Screens of jobs: the installer company's lists, the job page with its actions, the provider's lists."""
