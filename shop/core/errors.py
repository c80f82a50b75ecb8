class DomainError(Exception):
    """A rule of the domain refused an action. The message is shown to the user as is."""

    def __init__(self, message: str, *, code: str = "refused"):
        super().__init__(message)
        self.message = message
        self.code = code

    def __str__(self) -> str:
        return str(self.message)
