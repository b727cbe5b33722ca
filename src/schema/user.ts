import { Firm, User } from '../entities/index.js';
import { requireAdmin, requireViewer } from '../context.js';
import { AppError } from '../services/errors.js';
import type { Invitation } from '../services/team.js';
import { builder } from './builder.js';
import { UserRoleEnum } from './enums.js';

export const FirmRef = builder.objectRef<Firm>('Firm').implement({
  fields: (t) => ({
    id: t.exposeID('id'),
    name: t.exposeString('name'),
  }),
});

export const UserRef = builder.objectRef<User>('User').implement({
  fields: (t) => ({
    id: t.exposeID('id'),
    email: t.exposeString('email'),
    name: t.exposeString('name'),
    role: t.expose('role', { type: UserRoleEnum }),
    firm: t.field({ type: FirmRef, resolve: (user, _args, ctx) => ctx.em().findOneOrFail(Firm, { id: user.firmId }) }),
  }),
});

const AuthPayloadRef = builder.objectRef<{ token: string; user: User }>('AuthPayload').implement({
  fields: (t) => ({
    token: t.exposeString('token'),
    user: t.field({ type: UserRef, resolve: (p) => p.user }),
  }),
});

const SignUpInput = builder.inputType('SignUpInput', {
  fields: (t) => ({
    firmName: t.string({ required: true }),
    name: t.string({ required: true }),
    email: t.string({ required: true }),
    password: t.string({ required: true }),
  }),
});

builder.queryField('me', (t) =>
  t.field({
    type: UserRef,
    resolve: async (_root, _args, ctx) => {
      const viewer = requireViewer(ctx);
      const user = await ctx.em().findOne(User, { id: viewer.userId, firmId: viewer.firmId });
      if (!user) throw new AppError('UNAUTHENTICATED', 'the user of this token no longer exists');
      return user;
    },
  }),
);

builder.mutationFields((t) => ({
  signUp: t.field({
    type: AuthPayloadRef,
    description: 'Creates a firm and its first user',
    args: { input: t.arg({ type: SignUpInput, required: true }) },
    resolve: (_root, { input }, ctx) => ctx.services.auth.signUp(ctx.em(), input),
  }),
  login: t.field({
    type: AuthPayloadRef,
    args: { email: t.arg.string({ required: true }), password: t.arg.string({ required: true }) },
    resolve: async (_root, args, ctx) => {
      await ctx.services.rateLimits.login(args.email, ctx.clientIp);
      const payload = await ctx.services.auth.login(ctx.em(), args.email, args.password);
      await ctx.services.rateLimits.loginSucceeded(args.email);
      return payload;
    },
  }),
}));

const InvitationRef = builder.objectRef<Invitation>('Invitation').implement({
  description: 'A single-use invitation into the firm, valid for 7 days. Pass `link` on: there is no mail server.',
  fields: (t) => ({
    id: t.exposeID('id'),
    email: t.exposeString('email'),
    name: t.exposeString('name'),
    role: t.expose('role', { type: UserRoleEnum }),
    expiresAt: t.expose('expiresAt', { type: 'DateTime' }),
    link: t.exposeString('link', { description: 'Carries the token for acceptInvitation (the `invitation` query parameter)' }),
  }),
});

const InviteUserInput = builder.inputType('InviteUserInput', {
  fields: (t) => ({
    email: t.string({ required: true }),
    name: t.string({ required: true }),
    role: t.field({ type: UserRoleEnum, required: true }),
  }),
});

builder.queryField('users', (t) =>
  t.field({
    type: [UserRef],
    description: "The caller's firm, oldest first",
    resolve: (_root, _args, ctx) => ctx.services.team.list(ctx.em(), requireViewer(ctx).firmId),
  }),
);

builder.mutationFields((t) => ({
  inviteUser: t.field({
    type: InvitationRef,
    description: 'ADMIN only (else FORBIDDEN)',
    args: { input: t.arg({ type: InviteUserInput, required: true }) },
    resolve: (_root, { input }, ctx) => ctx.services.team.invite(requireAdmin(ctx), input),
  }),
  acceptInvitation: t.field({
    type: AuthPayloadRef,
    description: 'Creates the invited user in the inviting firm, with this password, signed in',
    args: { token: t.arg.string({ required: true }), password: t.arg.string({ required: true }) },
    resolve: (_root, args, ctx) => ctx.services.team.accept(ctx.em(), args.token, args.password),
  }),
  updateUserRole: t.field({
    type: UserRef,
    description: "ADMIN only; the firm's last admin cannot be made a MEMBER (CONFLICT)",
    args: { userId: t.arg.id({ required: true }), role: t.arg({ type: UserRoleEnum, required: true }) },
    resolve: (_root, args, ctx) => ctx.services.team.updateRole(ctx.em(), requireAdmin(ctx), String(args.userId), args.role),
  }),
  removeUser: t.field({
    type: 'Boolean',
    description: "ADMIN only; never the firm's last admin (CONFLICT). The user's tokens stop working.",
    args: { userId: t.arg.id({ required: true }) },
    resolve: async (_root, args, ctx) => {
      await ctx.services.team.remove(requireAdmin(ctx), String(args.userId));
      return true;
    },
  }),
  changePassword: t.field({
    type: AuthPayloadRef,
    description: 'Refuses every token issued before (this one too); returns a new one',
    args: { current: t.arg.string({ required: true }), new: t.arg.string({ required: true }) },
    resolve: async (_root, args, ctx) => {
      const viewer = requireViewer(ctx);
      const user = await ctx.em().findOne(User, { id: viewer.userId });
      // Guessing the current password is guessing a login: the same limits apply.
      await ctx.services.rateLimits.login(user?.email ?? viewer.userId, ctx.clientIp);
      const payload = await ctx.services.auth.changePassword(ctx.em(), viewer, args.current, args.new);
      await ctx.services.rateLimits.loginSucceeded(payload.user.email);
      return payload;
    },
  }),
  logout: t.field({
    type: 'Boolean',
    description: 'Signs this token out: refused from now on, on every server',
    resolve: async (_root, _args, ctx) => {
      await ctx.services.auth.logout(requireViewer(ctx));
      return true;
    },
  }),
}));
