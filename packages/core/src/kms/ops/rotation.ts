/**
 * EnableKeyRotation, DisableKeyRotation, GetKeyRotationStatus, RotateKeyOnDemand,
 * ListKeyRotations (AWS KMS API Reference; Developer Guide "Rotating AWS KMS keys").
 * Only symmetric keys with AWS_KMS origin rotate; multi-Region keys rotate on the primary and
 * the replicas receive the same version. Due automatic rotations are applied by maintenance.ts.
 */
import { LimitExceededException, UnsupportedOperationException } from '../../errors.js';
import { DAY_MS, DEFAULT_ROTATION_PERIOD_DAYS, MAX_ROTATION_PERIOD_DAYS, MIN_ROTATION_PERIOD_DAYS } from '../constants.js';
import { currentVersion, type KeyRecord } from '../key-record.js';
import { addVersion, syncReplicaRotation } from '../maintenance.js';
import { keyIdTarget, keyOf, type Operation } from '../operation.js';
import type {
  EnableKeyRotationRequest, GetKeyRotationStatusResponse, KeyIdRequest, KeyIdResponse, ListKeyRotationsRequest,
  ListKeyRotationsResponse, RotationsListEntry,
} from '../types.js';
import { optionalInt, paginate } from './validate.js';

/** AWS allows a limited number of on-demand rotations per key. */
export const MAX_ON_DEMAND_ROTATIONS = 10;

/** Rotation exists for symmetric encryption keys with AWS_KMS origin only (every rotation operation). */
function requireRotationSupport(key: KeyRecord, op: string): void {
  if (key.keySpec !== 'SYMMETRIC_DEFAULT') {
    throw new UnsupportedOperationException(`${key.arn} has key spec ${key.keySpec}; ${op} supports symmetric encryption keys only.`);
  }
  if (key.origin !== 'AWS_KMS') {
    throw new UnsupportedOperationException(`${key.arn} has imported key material; rotate it manually (create a new key, then UpdateAlias).`);
  }
}

/** The operations that change rotation: also not on AWS managed keys or multi-Region replicas. */
function requireRotatable(key: KeyRecord, op: string): void {
  requireRotationSupport(key, op);
  if (key.keyManager === 'AWS') {
    throw new UnsupportedOperationException(`${key.arn} is an AWS managed key; AWS rotates it every year.`);
  }
  if (key.multiRegion && key.primaryRegion !== key.region) {
    throw new UnsupportedOperationException(`${key.arn} is a multi-Region replica; call ${op} on the primary key in ${key.primaryRegion}.`);
  }
}


export const enableKeyRotationOp: Operation<EnableKeyRotationRequest, Record<string, never>> = {
  name: 'EnableKeyRotation',
  supports: (key) => requireRotatable(key, 'EnableKeyRotation'),
  mutates: true,
  validate(req) {
    optionalInt(req.RotationPeriodInDays, 'RotationPeriodInDays', MIN_ROTATION_PERIOD_DAYS, MAX_ROTATION_PERIOD_DAYS);
  },
  targets: keyIdTarget,
  act(ctx, req) {
    const key = keyOf(ctx);
    const period = req.RotationPeriodInDays ?? DEFAULT_ROTATION_PERIOD_DAYS;
    const base = key.rotation.enabled ? currentVersion(key)!.createdAt : ctx.now;
    key.rotation = { ...key.rotation, enabled: true, periodDays: period, nextRotation: base + period * DAY_MS };
    syncReplicaRotation(ctx.section, key);
    return {};
  },
};

export const disableKeyRotationOp: Operation<KeyIdRequest, Record<string, never>> = {
  name: 'DisableKeyRotation',
  supports: (key) => requireRotatable(key, 'DisableKeyRotation'),
  mutates: true,
  targets: keyIdTarget,
  act(ctx) {
    const key = keyOf(ctx);
    key.rotation = { enabled: false };
    syncReplicaRotation(ctx.section, key);
    return {};
  },
};

export const getKeyRotationStatusOp: Operation<KeyIdRequest, GetKeyRotationStatusResponse> = {
  name: 'GetKeyRotationStatus',
  supports: (key) => requireRotationSupport(key, 'GetKeyRotationStatus'),
  mutates: false,
  targets: keyIdTarget,
  act(ctx) {
    const key = keyOf(ctx);
    const r = key.rotation;
    const res: GetKeyRotationStatusResponse = { KeyRotationEnabled: r.enabled, KeyId: key.arn };
    if (r.enabled && r.periodDays) res.RotationPeriodInDays = r.periodDays;
    if (r.enabled && r.nextRotation !== undefined) res.NextRotationDate = new Date(r.nextRotation);
    if (r.onDemandStartedAt !== undefined) res.OnDemandRotationStartDate = new Date(r.onDemandStartedAt);
    return res;
  },
};

export const rotateKeyOnDemandOp: Operation<KeyIdRequest, KeyIdResponse> = {
  name: 'RotateKeyOnDemand',
  supports: (key) => requireRotatable(key, 'RotateKeyOnDemand'),
  mutates: true,
  targets: keyIdTarget,
  act(ctx) {
    const key = keyOf(ctx);
    const onDemand = key.versions.filter((v) => v.rotationType === 'ON_DEMAND').length;
    if (onDemand >= MAX_ON_DEMAND_ROTATIONS) {
      throw new LimitExceededException(`${key.arn} has reached the limit of ${MAX_ON_DEMAND_ROTATIONS} on-demand rotations.`);
    }
    addVersion(ctx.section, key, ctx.now, 'ON_DEMAND', ctx.random, ctx.sealer);
    key.rotation.onDemandStartedAt = ctx.now;
    return { KeyId: key.arn };
  },
};

export const listKeyRotationsOp: Operation<ListKeyRotationsRequest, ListKeyRotationsResponse> = {
  name: 'ListKeyRotations',
  supports: (key) => requireRotationSupport(key, 'ListKeyRotations'),
  mutates: false,
  targets: keyIdTarget,
  act(ctx, req) {
    const key = keyOf(ctx);
    const rotations: RotationsListEntry[] = key.versions.slice(1).map((v) => ({
      KeyId: key.arn, RotationDate: new Date(v.createdAt), RotationType: v.rotationType ?? 'AUTOMATIC', KeyMaterialId: v.id,
    }));
    const { page, ...rest } = paginate(rotations, req.Limit, req.Marker, 100);
    return { Rotations: page, ...rest };
  },
};
