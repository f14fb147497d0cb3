"""The policy channel (政策直达): policies as rulebooks on the ladder's engine."""
