/**
 * A local endpoint speaking SNS's wire protocol as the installed @aws-sdk/client-sns uses it: the
 * AWS Query protocol (`POST /`, `content-type: application/x-www-form-urlencoded`, form fields
 * `Action`, `Version=2010-03-31` and the operation's members), answered in XML, errors as
 * `<ErrorResponse><Error><Type/><Code/><Message/></Error></ErrorResponse>`.
 */
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { SNSClient } from "@aws-sdk/client-sns";
import { listenOnLoopback } from "./servers.ts";

export interface ReceivedPublish {
  readonly topicArn: string;
  readonly subject?: string;
  readonly message: string;
  readonly messageStructure?: string;
  readonly messageId: string;
  /** The SigV4 credential scope's region and service, e.g. ["eu-west-3", "sns"]. */
  readonly scope: readonly [string, string] | undefined;
}

export interface SnsEndpoint {
  readonly url: string;
  readonly publishes: ReceivedPublish[];
  /** Every request as received, including the ones answered with an error. */
  readonly rawRequests: { readonly contentType: string; readonly form: Record<string, string> }[];
  /** Topics that exist; publishing elsewhere answers 404 NotFound like SNS. */
  readonly topics: Set<string>;
  client(region?: string): SNSClient;
  close(): Promise<void>;
}

const XMLNS = "http://sns.amazonaws.com/doc/2010-03-31/";

export async function startSnsEndpoint(topics: readonly string[]): Promise<SnsEndpoint> {
  const publishes: ReceivedPublish[] = [];
  const rawRequests: SnsEndpoint["rawRequests"] = [];
  const known = new Set(topics);

  const server = createServer((req, res) => {
    void handle(req, res);
  });
  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const contentType = String(req.headers["content-type"] ?? "");
    const form = Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString("utf8")));
    rawRequests.push({ contentType, form });
    if (
      req.method !== "POST" ||
      req.url !== "/" ||
      !contentType.startsWith("application/x-www-form-urlencoded")
    ) {
      return error(res, 400, "Sender", "InvalidAction", "not an AWS Query request");
    }
    if (form.Version !== "2010-03-31") return error(res, 400, "Sender", "InvalidParameter", "bad Version");
    const authorization = String(req.headers.authorization ?? "");
    const scope = /Credential=[^/]+\/\d{8}\/([^/]+)\/([^/]+)\/aws4_request/.exec(authorization);
    if (!scope) return error(res, 403, "Sender", "IncompleteSignature", "request is not SigV4 signed");
    if (form.Action !== "Publish") {
      return error(res, 400, "Sender", "InvalidAction", `unsupported action ${String(form.Action)}`);
    }
    const topicArn = form.TopicArn ?? "";
    if (!known.has(topicArn)) return error(res, 404, "Sender", "NotFound", "Topic does not exist");
    const message = form.Message;
    if (message === undefined || message === "") {
      return error(res, 400, "Sender", "InvalidParameter", "Empty message");
    }
    if (form.Subject !== undefined && (form.Subject.length > 100 || !/^[\x20-\x7e]+$/.test(form.Subject))) {
      return error(res, 400, "Sender", "InvalidParameter", "Subject must be ASCII, at most 100 characters");
    }
    if (form.MessageStructure === "json") {
      let parsed: unknown;
      try {
        parsed = JSON.parse(message);
      } catch {
        return error(
          res,
          400,
          "Sender",
          "InvalidParameter",
          "Message Structure - JSON message body failed to parse",
        );
      }
      if (
        typeof parsed !== "object" ||
        parsed === null ||
        typeof (parsed as { default?: unknown }).default !== "string"
      ) {
        return error(
          res,
          400,
          "Sender",
          "InvalidParameter",
          "Message Structure - No default entry in JSON message body",
        );
      }
    }
    const messageId = randomUUID();
    publishes.push({
      topicArn,
      message,
      messageId,
      scope: [scope[1] as string, scope[2] as string],
      ...(form.Subject === undefined ? {} : { subject: form.Subject }),
      ...(form.MessageStructure === undefined ? {} : { messageStructure: form.MessageStructure }),
    });
    xml(
      res,
      200,
      `<PublishResponse xmlns="${XMLNS}"><PublishResult><MessageId>${messageId}</MessageId></PublishResult><ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></PublishResponse>`,
    );
  }

  const url = `http://127.0.0.1:${await listenOnLoopback(server)}`;
  return {
    url,
    publishes,
    rawRequests,
    topics: known,
    client: (region = "eu-west-3") =>
      new SNSClient({
        region,
        endpoint: url,
        credentials: { accessKeyId: "AKIDLOCALTEST", secretAccessKey: "local-test-secret" },
        maxAttempts: 1,
      }),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function error(res: ServerResponse, status: number, type: string, code: string, message: string): void {
  xml(
    res,
    status,
    `<ErrorResponse xmlns="${XMLNS}"><Error><Type>${type}</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>${randomUUID()}</RequestId></ErrorResponse>`,
  );
}

function xml(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, {
    "content-type": "text/xml",
    "content-length": Buffer.byteLength(body),
    "x-amzn-requestid": "00000000-0000-0000-0000-000000000000",
  });
  res.end(body);
}
