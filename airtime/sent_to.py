"""Which contents were ever sent to a cluster: the only ones its device may report as played.

A device can only have played what reached it: an item of one of its playlists (any day, any version), an
emergency alert targeted at it (directly or through an ancestor) once approved, or a "play now" command.
Anything else (another commune's draft, a made-up id) is refused with the same words as an id that does
not exist, so a device learns nothing about contents outside its cluster.
"""

from sqlmodel import Session, col, select

from campaigns.models import ContentArea, ContentRevision, RevisionStatus
from core.areas import Area
from core.levels import ContentLevel
from devices.models import DeviceCommand
from playlists.models import PlaylistItem

EVER_APPROVED = (RevisionStatus.approved, RevisionStatus.superseded)


def contents_sent_to(session: Session, cluster: Area, wanted: set[int]) -> set[int]:
    """The subset of `wanted` content ids that ever reached `cluster`."""
    if not wanted:
        return set()
    ids = sorted(wanted)
    found: set[int] = {cid for cid in session.exec(
        select(PlaylistItem.content_id).distinct()
        .where(PlaylistItem.cluster_id == cluster.id, col(PlaylistItem.content_id).in_(ids))) if cid is not None}
    missing = wanted - found
    if missing:
        found |= set(session.exec(
            select(ContentArea.content_id).distinct()
            .join(ContentRevision, col(ContentRevision.id) == ContentArea.revision_id)
            .where(col(ContentArea.content_id).in_(sorted(missing)),
                   col(ContentArea.area_id).in_(cluster.ancestor_ids),
                   ContentRevision.level == ContentLevel.emergency,
                   col(ContentRevision.status).in_(EVER_APPROVED))))
    missing = wanted - found
    if missing:
        # Play-now commands are few per cluster; their content id sits in the JSON payload.
        payloads = session.exec(select(DeviceCommand.payload).where(DeviceCommand.cluster_id == cluster.id))
        found |= {p["content_id"] for p in payloads if isinstance(p, dict) and p.get("content_id") in missing}
    return found
