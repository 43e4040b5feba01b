"""One real `loaxa serve` for the agent's end-to-end tests (session-wide: starting it and rendering
speech take seconds), with a province, a commune and three short approved bulletins every test
cluster gets. Each test makes its own cluster, slot and agent state."""

from collections.abc import Iterator

import pytest

from tests.agent.harness import Api, LoaxaServer, Mosquitto, World

BULLETINS = [
    ("Tin phòng chống cháy rừng", "Bà con không đốt nương rẫy trong mùa khô."),
    ("Lịch tiêm chủng", "Trạm y tế xã tiêm chủng cho trẻ vào sáng thứ Hai."),
    ("Thu gom rác", "Xe thu gom rác đi qua các thôn vào chiều thứ Năm."),
]


@pytest.fixture(scope="session")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    data_dir = tmp_path_factory.mktemp("agent-server")
    broker = Mosquitto()  # the server pushes commands to it; pairing answers name it
    server = LoaxaServer(data_dir, env={"LOAXA_MQTT_URL": broker.url})
    api = Api(server)
    server.start()
    try:
        province = api.area("Tỉnh Thử Nghiệm", "province")
        commune = api.area("Xã Thử Nghiệm", "commune", province)
        world = World(server=server, api=api, province_id=province, commune_id=commune)
        world.contents = [api.content(title, body, area_ids=[province]) for title, body in BULLETINS]
        world.broker = broker
        yield world
    finally:
        server.stop()
        broker.stop()


@pytest.fixture
def live_world(world: World) -> World:
    """The shared server, restarted if an earlier test stopped it."""
    if world.server.proc is None or world.server.proc.poll() is not None:
        world.server.start()
    return world
