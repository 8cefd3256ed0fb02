"""getnative: one server for the Get Native, Rockpack and Likes APIs."""
