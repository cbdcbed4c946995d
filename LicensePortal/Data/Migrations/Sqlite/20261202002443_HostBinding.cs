using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace LicensePortal.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class HostBinding : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<int>(
                name: "HostIdentifierTolerance",
                table: "Instances",
                type: "INTEGER",
                nullable: false,
                defaultValue: 1); // existing instances: all but one identifier, the default

            migrationBuilder.AddColumn<string>(
                name: "HostIdentifiers",
                table: "Instances",
                type: "TEXT",
                maxLength: 4096,
                nullable: false,
                defaultValue: "");

            migrationBuilder.AddColumn<string>(
                name: "LastSeenAgentVersion",
                table: "Instances",
                type: "TEXT",
                maxLength: 64,
                nullable: false,
                defaultValue: "");

            migrationBuilder.AddColumn<DateTime>(
                name: "LastSeenAt",
                table: "Instances",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "LastSeenRevision",
                table: "Instances",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<DateTime>(
                name: "PendingHostAt",
                table: "Instances",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "PendingHostBy",
                table: "Instances",
                type: "TEXT",
                maxLength: 256,
                nullable: false,
                defaultValue: "");

            migrationBuilder.AddColumn<string>(
                name: "PendingHostInfo",
                table: "Instances",
                type: "TEXT",
                maxLength: 65536,
                nullable: false,
                defaultValue: "");

            migrationBuilder.CreateIndex(
                name: "IX_Instances_LastSeenAt",
                table: "Instances",
                column: "LastSeenAt");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_Instances_LastSeenAt",
                table: "Instances");

            migrationBuilder.DropColumn(
                name: "HostIdentifierTolerance",
                table: "Instances");

            migrationBuilder.DropColumn(
                name: "HostIdentifiers",
                table: "Instances");

            migrationBuilder.DropColumn(
                name: "LastSeenAgentVersion",
                table: "Instances");

            migrationBuilder.DropColumn(
                name: "LastSeenAt",
                table: "Instances");

            migrationBuilder.DropColumn(
                name: "LastSeenRevision",
                table: "Instances");

            migrationBuilder.DropColumn(
                name: "PendingHostAt",
                table: "Instances");

            migrationBuilder.DropColumn(
                name: "PendingHostBy",
                table: "Instances");

            migrationBuilder.DropColumn(
                name: "PendingHostInfo",
                table: "Instances");
        }
    }
}
