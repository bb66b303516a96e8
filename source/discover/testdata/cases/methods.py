from prefect import flow


class Pipeline:
    @flow
    def run(self):
        pass

    @staticmethod
    @flow(name="static")
    def build():
        pass


def factory():
    @flow
    def inner():
        pass

    return inner


if True:
    @flow
    def conditional():
        pass


@flow
class NotAFunction:
    pass


@flow
def top_level():
    pass
