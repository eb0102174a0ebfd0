using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace GptOssWorkbench.Migrations.Sqlite.Migrations
{
    /// <inheritdoc />
    public partial class RunQueueSweep : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "JobId",
                table: "Runs",
                type: "TEXT",
                maxLength: 100,
                nullable: true);

            migrationBuilder.AddColumn<DateTime>(
                name: "QueuedAt",
                table: "Runs",
                type: "TEXT",
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "JobId",
                table: "Runs");

            migrationBuilder.DropColumn(
                name: "QueuedAt",
                table: "Runs");
        }
    }
}
