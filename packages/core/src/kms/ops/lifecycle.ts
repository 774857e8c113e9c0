/**
 * EnableKey, DisableKey, ScheduleKeyDeletion, CancelKeyDeletion (AWS KMS API Reference;
 * Developer Guide "Deleting AWS KMS keys"). Multi-Region: a primary with replicas waits in
 * PendingReplicaDeletion until its replicas are deleted.
 */
import { UnsupportedOperationException } from '../../errors.js';
import { DAY_MS, DEFAULT_PENDING_WINDOW_DAYS, MAX_PENDING_WINDOW_DAYS, MIN_PENDING_WINDOW_DAYS } from '../constants.js';
import { relatedMultiRegionKeys } from '../metadata.js';
import { keyIdTarget, keyOf, type Operation } from '../operation.js';
import type { KeyIdRequest, KeyIdResponse, ScheduleKeyDeletionRequest, ScheduleKeyDeletionResponse } from '../types.js';
import { optionalInt } from './validate.js';


export const enableKeyOp: Operation<KeyIdRequest, Record<string, never>> = {
  name: 'EnableKey',
  mutates: true,
  targets: keyIdTarget,
  act(ctx) {
    keyOf(ctx).state = 'Enabled';
    return {};
  },
};

export const disableKeyOp: Operation<KeyIdRequest, Record<string, never>> = {
  name: 'DisableKey',
  mutates: true,
  targets: keyIdTarget,
  act(ctx) {
    keyOf(ctx).state = 'Disabled';
    return {};
  },
};

export const scheduleKeyDeletionOp: Operation<ScheduleKeyDeletionRequest, ScheduleKeyDeletionResponse> = {
  name: 'ScheduleKeyDeletion',
  mutates: true,
  validate(req) {
    optionalInt(req.PendingWindowInDays, 'PendingWindowInDays', MIN_PENDING_WINDOW_DAYS, MAX_PENDING_WINDOW_DAYS);
  },
  targets: keyIdTarget,
  act(ctx, req) {
    const key = keyOf(ctx);
    if (key.keyManager === 'AWS') throw new UnsupportedOperationException(`${key.arn} is an AWS managed key and cannot be deleted`);
    const days = req.PendingWindowInDays ?? DEFAULT_PENDING_WINDOW_DAYS;
    const deletionDate = ctx.now + days * DAY_MS;
    const isPrimaryWithReplicas = key.multiRegion && key.primaryRegion === key.region
      && relatedMultiRegionKeys(ctx.section, key).some((k) => k !== key);
    key.state = isPrimaryWithReplicas ? 'PendingReplicaDeletion' : 'PendingDeletion';
    key.deletionDate = deletionDate;
    key.pendingWindowDays = days;
    return { KeyId: key.arn, DeletionDate: new Date(deletionDate), KeyState: key.state, PendingWindowInDays: days };
  },
};

export const cancelKeyDeletionOp: Operation<KeyIdRequest, KeyIdResponse> = {
  name: 'CancelKeyDeletion',
  mutates: true,
  targets: keyIdTarget,
  act(ctx) {
    const key = keyOf(ctx);
    key.state = 'Disabled';
    delete key.deletionDate;
    delete key.pendingWindowDays;
    return { KeyId: key.arn };
  },
};
