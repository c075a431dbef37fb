"""Disposal by two people: an archivist proposes, a different approver approves or rejects.

The proposal lives in the catalogue (:class:`~dangan.archive.catalogue.DisposalProposals`),
so it survives restarts and is seen by every web server.  Approval runs the
archive's own disposal (``app.dispose``): the 档案销毁清册 is rendered and
filed, naming the approver and, in the reason, the proposal and its proposer.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from dangan.app.roles import Permission, may
from dangan.archive.audit import AuditEvent
from dangan.archive.catalogue import DisposalProposal
from dangan.errors import AccessError, RetentionError

if TYPE_CHECKING:
    from dangan.app.core import Dangan
    from dangan.archive.service import DisposalResult

PENDING, APPROVED, REJECTED = "pending", "approved", "rejected"
STATUS_NAMES = {PENDING: "待审批", APPROVED: "已批准（已销毁）", REJECTED: "已驳回", "withdrawn": "已撤回"}


class DisposalWorkflow:
    """``app.disposals``: proposals and decisions, acting for the app's user."""

    def __init__(self, app: Dangan) -> None:
        self.app = app
        self.archive = app.archive
        self.catalogue = app.archive.catalogue

    def _who(self, permission: Permission, what: str) -> str:
        actor = self.app.actor
        if actor is None or not may(actor.role, permission):
            raise AccessError(f"只有{what}可以这样做")
        return actor.name

    def proposals(self, *, status: str | None = None) -> list[DisposalProposal]:
        return self.catalogue.proposals(status=status)

    def proposal(self, proposal_id: int) -> DisposalProposal:
        found = self.catalogue.proposal(int(proposal_id))
        if found is None:
            raise RetentionError(f"没有第 {proposal_id} 号销毁申请")
        return found

    def pending_codes(self) -> dict[str, int]:
        """archival code → the pending proposal it is in."""
        return {c: p.id for p in self.catalogue.proposals(status=PENDING) for c in p.codes}

    def propose(self, codes: Sequence[str], *, reason: str) -> DisposalProposal:
        """An archivist proposes to dispose of expired, unheld records (checked now and again on approval)."""
        proposer = self._who(Permission.PROPOSE_DISPOSAL, "档案员")
        codes = list(dict.fromkeys(c.strip() for c in codes if c.strip()))
        if not codes:
            raise RetentionError("请选择要销毁的档案", field="codes")
        if not (reason or "").strip():
            raise RetentionError("必须填写销毁原因", field="reason")
        with self.catalogue.transaction():
            refusals = self.archive.disposal_refusals(codes)
            if refusals:
                raise RetentionError("以下档案不能销毁：" + "；".join(f"{c}：{why}" for c, why in refusals))
            taken = self.pending_codes()
            already = [f"{c}（第 {taken[c]} 号申请）" for c in codes if c in taken]
            if already:
                raise RetentionError("以下档案已在待审批的销毁申请中：" + "、".join(already))
            proposal = self.catalogue.add_proposal(codes, reason=reason.strip(), proposer=proposer,
                                                   at=self.app.clock.now())
            for code in codes:
                self.archive.record_event(AuditEvent.DISPOSAL_PROPOSED, code=code,
                                          details={"proposal": proposal.id, "reason": proposal.reason})
        return proposal

    def _pending(self, proposal_id: int, decider: str) -> DisposalProposal:
        proposal = self.proposal(proposal_id)
        if proposal.status != PENDING:
            raise RetentionError(f"第 {proposal.id} 号销毁申请已处理（{STATUS_NAMES.get(proposal.status)}）")
        if proposal.proposer == decider:
            raise AccessError("销毁需要两个人：提出申请的人不能审批自己的申请")
        return proposal

    def approve(self, proposal_id: int) -> DisposalResult:
        """A different approver approves: the records are disposed of and the 销毁清册 is filed."""
        approver = self._who(Permission.APPROVE_DISPOSAL, "审批人")
        proposal = self._pending(proposal_id, approver)
        result = self.app.dispose(
            proposal.codes, approver=approver,
            reason=f"{proposal.reason}（销毁申请第 {proposal.id} 号，提出人：{proposal.proposer}）")
        with self.catalogue.transaction():
            self.catalogue.decide_proposal(proposal.id, status=APPROVED, decider=approver, at=self.app.clock.now(),
                                           register_code=result.register.archival_code)
        return result

    def reject(self, proposal_id: int, *, note: str) -> DisposalProposal:
        approver = self._who(Permission.APPROVE_DISPOSAL, "审批人")
        if not (note or "").strip():
            raise RetentionError("驳回时必须写明理由", field="note")
        with self.catalogue.transaction():
            proposal = self._pending(proposal_id, approver)
            self.catalogue.decide_proposal(proposal.id, status=REJECTED, decider=approver,
                                           at=self.app.clock.now(), note=note.strip())
            for code in proposal.codes:
                self.archive.record_event(AuditEvent.DISPOSAL_REJECTED, code=code,
                                          details={"proposal": proposal.id, "note": note.strip()})
        return self.proposal(proposal.id)
