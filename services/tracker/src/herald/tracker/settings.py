from herald.runtime.settings import ServiceSettings


class TrackerSettings(ServiceSettings):
    http_port: int = 8005
