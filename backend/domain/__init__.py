"""The domain's pure rules: plain Python, no SQLAlchemy or Flask, nothing else of ours."""
