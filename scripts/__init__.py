"""Scripts run by make targets; each is also runnable on its own."""
