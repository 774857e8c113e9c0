/**
 * The `kms:ViaService` value each workflow sets on its KMS calls (KMS Developer Guide,
 * "kms:ViaService"). Snapshot and image workflows speak as Amazon EC2 and replication as Amazon
 * S3, with the region of the key being called, exactly as the AWS services do — so a key policy
 * written for AWS (`"kms:ViaService": "ec2.us-east-1.amazonaws.com"`) restricts the Envelope
 * workflow the same way, and audit events name the workflow as the calling service.
 */

/** The service name of the snapshot/image workflows for calls to a key in `region`. */
export function snapshotViaService(region: string): string {
  return `ec2.${region}.amazonaws.com`;
}

/** The service name of `envelope replicate` for calls to a key in `region`. */
export function replicationViaService(region: string): string {
  return `s3.${region}.amazonaws.com`;
}
