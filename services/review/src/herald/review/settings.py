from herald.runtime.settings import ServiceSettings


class ReviewSettings(ServiceSettings):
    http_port: int = 8002
