"""The real-time core: it knows no app of the project, and every app may use it."""
